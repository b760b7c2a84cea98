// What wakes an operator: failed revocations, dead letters, each function's errors and throttles,
// HTTP 5xx and latency, DynamoDB throttles, and with the extensions on, tokens that survived
// revocation and lost outcome events; plus a dashboard with a row per function.
//
// Why not cdk-monitoring-constructs (10.2.0, compared for this file): it would give the Lambda,
// SQS, HTTP API and DynamoDB alarms in fewer lines, but the alarms that matter most here are
// counts the function emits per trigger, summed with metric math, which the library only offers
// through its custom-metric monitoring with the same metric definitions written out; its naming
// scheme would rename every alarm the README's runbook names; and the topic policy, the key and
// the OK actions would still be ours. The alarms it would add are a few lines each with
// aws-cdk-lib's own metric helpers (below), so one more dependency would buy little.
import { Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { DeadLetterQueue } from './DeadLetterQueue.js';
import { metricsNamespace, serviceName } from './RevokerFunction.js';

/** A function to watch, with the short name its alarms and dashboard row carry. */
export interface WatchedFunction {
  /** `api` or `worker`: alarms are named `<stackName>-<label>-function-errors`, ... */
  readonly label: string;
  readonly function: lambda.IFunction;
  /** What its errors mean and what to do, for the alarm's description. */
  readonly errorsMean: string;
  readonly throttlesMean: string;
  /**
   * A count the function emits (dimensions service and this trigger) for failures it answers
   * rather than throws, e.g. `HttpServerError`: the errors alarm adds it to Lambda's Errors.
   */
  readonly answeredErrors?: { readonly metricName: string; readonly trigger: string };
}

/** A DynamoDB table to watch for throttling. */
export interface WatchedTable {
  /** e.g. `outcome-table`. */
  readonly label: string;
  readonly table: dynamodb.ITable;
  readonly throttlesMean: string;
}

export interface AlarmsProps {
  readonly functions: readonly WatchedFunction[];
  /** The HTTP API's stage: its 5xx count and latency are what ops callers see. */
  readonly apiStage: apigw.IHttpStage;
  readonly tables: readonly WatchedTable[];
  readonly workQueue: sqs.IQueue;
  readonly deadLetters: readonly DeadLetterQueue[];
  /** Subscribed to the alarm topic when set. */
  readonly email: string | undefined;
  /** `verifyRevocation`: the function emits `TokenSurvivedRevocation` and `VerificationInconclusive`. */
  readonly verifyRevocation: boolean;
  /** `outcomeEventBusName` is set: the function emits `OutcomeEventsFailed`. */
  readonly outcomeEvents: boolean;
  /** `rotationAccounts` lists accounts: the worker rotates (trigger `rotation`) and emits `RotationFailed`. */
  readonly rotation: boolean;
}

/** The `trigger` dimension values the function emits (see the README's outcome records). */
export const triggers = ['api', 'offboarding', 'schedule'] as const;

const period = Duration.minutes(5);

/**
 * One count (an outcome such as `FAILED`, or an event such as `TokenSurvivedRevocation`) summed
 * across every trigger: the function emits one series per trigger.
 */
export const countAcrossTriggers = (
  metricName: string,
  over: readonly string[] = triggers,
): cw.MathExpression => {
  // Ids are unique per graph, so they carry the metric, in the snake case metric math ids allow:
  // `failed_api`, `token_survived_revocation_offboarding`, ...
  const stem = metricName.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
  const id = (trigger: string): string => `${stem}_${trigger}`;
  return new cw.MathExpression({
    expression: `SUM([${over.map(id).join(', ')}])`,
    usingMetrics: Object.fromEntries(
      over.map((trigger) => [
        id(trigger),
        new cw.Metric({
          namespace: metricsNamespace,
          metricName,
          dimensionsMap: { service: serviceName, trigger },
          statistic: cw.Stats.SUM,
          period,
        }),
      ]),
    ),
    label: metricName,
    period,
  });
};

/**
 * The metric the function emits when every token called in one sweep or offboarding event
 * answered 401: the tokens are probably of the other Huawei site (`meetingApiBaseUrl`) or not
 * tokens at all, so "already invalid" is no proof of anything. Named on the function's side;
 * rename it here if it lands under another name.
 */
export const allUnauthorizedMetric = 'AllTokensUnauthorized';

/** The latency at which a revocation is near the function's 29 s timeout and the API's 30 s. */
export const apiLatencyThresholdMs = 20_000;

export class Alarms extends Construct {
  public readonly topic: sns.Topic;
  public readonly topicKey: kms.Key;
  public readonly dashboard: cw.Dashboard;
  /** Every alarm of the stack, in the order the dashboard lists them. */
  public readonly all: cw.Alarm[] = [];
  public readonly apiServerErrors: cw.Alarm;
  /** Present when `verifyRevocation` is on. */
  public readonly tokenSurvived: cw.Alarm | undefined;
  /** Present when `outcomeEventBusName` is set. */
  public readonly outcomeEventsFailed: cw.Alarm | undefined;
  /** Present when rotation is on. */
  public readonly rotationFailed: cw.Alarm | undefined;
  private readonly action: SnsAction;

  public constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    const prefix = Stack.of(this).stackName;

    // A key of our own: CloudWatch cannot publish to a topic under the AWS managed SNS key, whose
    // policy nobody can extend; this one lets CloudWatch use it.
    this.topicKey = new kms.Key(this, 'TopicKey', {
      description: `${prefix}: encrypts the alarm topic`,
      enableKeyRotation: true,
      // It protects notifications in flight, nothing worth keeping once the stack is gone.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    this.topicKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublishEncrypted',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        // AWS's documented statement for CloudWatch and encrypted topics, as is: SNS makes the KMS
        // call for CloudWatch, so a condition CloudWatch's request would not carry breaks delivery.
        resources: ['*'],
      }),
    );
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'meeting-token-revoker alarms',
      masterKey: this.topicKey,
      enforceSSL: true,
    });
    if (props.email !== undefined) this.topic.addSubscription(new EmailSubscription(props.email));
    this.action = new SnsAction(this.topic);
    // A rotation revokes the token it replaced under its own trigger: its outcomes count too.
    const outcomeTriggers: readonly string[] = props.rotation
      ? [...triggers, 'rotation']
      : triggers;

    this.alarm('RevocationsFailed', {
      alarmName: `${prefix}-revocations-failed`,
      metric: countAcrossTriggers('FAILED', outcomeTriggers),
      alarmDescription:
        'A revocation ended FAILED (Huawei 5xx, 408, 429, network error or timeout after every retry): the token may still be valid. Check the outcome records and logs; queued and event revocations are retried automatically, API calls must be repeated.',
    });
    this.alarm('RevocationsRejected', {
      alarmName: `${prefix}-revocations-rejected`,
      metric: countAcrossTriggers('REJECTED', outcomeTriggers),
      alarmDescription:
        'Huawei Cloud Meeting refused a revocation (400, 403 or another 4xx): it is never retried and the token may still be valid. Read upstreamErrorCode in the outcome record and fix the token or the account.',
    });
    this.alarm('AllTokensUnauthorized', {
      alarmName: `${prefix}-all-unauthorized`,
      metric: countAcrossTriggers(allUnauthorizedMetric, ['offboarding', 'schedule']),
      alarmDescription:
        'Every token called in a sweep or an offboarding event answered 401: more likely the wrong Huawei site (meetingApiBaseUrl) or secrets that hold no real token than all of them already dead. Check the setting and a secret, then revoke again.',
    });

    this.apiServerErrors = this.alarm('ApiServerErrors', {
      alarmName: `${prefix}-api-5xx`,
      metric: props.apiStage.metricServerError({ period, statistic: cw.Stats.SUM }),
      alarmDescription:
        'The HTTP API answered 5xx: 500 CONFIGURATION_ERROR (a bad setting), OUTCOME_NOT_RECORDED or INTERNAL_ERROR, API Gateway failing to reach the function, or a revocation that ended REJECTED (502) or FAILED (503), which raise their own alarms too. Read the API function logs and the access log by requestId.',
    });
    this.alarm('ApiLatency', {
      alarmName: `${prefix}-api-latency`,
      metric: props.apiStage.metricLatency({ period, statistic: cw.Stats.p(99) }),
      threshold: apiLatencyThresholdMs,
      alarmDescription: `The slowest 1% of HTTP API requests took over ${apiLatencyThresholdMs / 1000} s, close to the 29 s function timeout: Huawei is slow or throttling (retries add up), or DynamoDB is. Check the upstream latency on the dashboard and the API function logs.`,
    });

    for (const watched of props.functions) {
      this.alarm(`${watched.label}-function-errors`, {
        alarmName: `${prefix}-${watched.label}-function-errors`,
        metric: functionErrors(watched),
        alarmDescription: watched.errorsMean,
      });
      this.alarm(`${watched.label}-function-throttles`, {
        alarmName: `${prefix}-${watched.label}-function-throttles`,
        metric: watched.function.metricThrottles({ period, statistic: cw.Stats.SUM }),
        alarmDescription: watched.throttlesMean,
      });
    }

    for (const watched of props.tables) {
      this.alarm(`${watched.label}-throttles`, {
        alarmName: `${prefix}-${watched.label}-throttles`,
        metric: tableThrottles(watched.table, watched.label),
        alarmDescription: watched.throttlesMean,
      });
    }

    this.alarm('WorkQueueBacklog', {
      alarmName: `${prefix}-work-queue-backlog`,
      metric: props.workQueue.metricApproximateAgeOfOldestMessage({
        period,
        statistic: cw.Stats.MAXIMUM,
      }),
      threshold: Duration.hours(1).toSeconds(),
      alarmDescription:
        'A work message has waited over an hour: the sweep is not keeping up or the consumer is disabled. Check the event source mapping, the worker throttles and the worker function logs.',
    });
    for (const deadLetter of props.deadLetters) {
      this.alarm(`${deadLetter.label}-dead-letters`, {
        alarmName: `${prefix}-${deadLetter.label}-dead-letters`,
        metric: deadLetter.queue.metricApproximateNumberOfMessagesVisible({
          period,
          statistic: cw.Stats.MAXIMUM,
        }),
        alarmDescription: `Dead letters: ${deadLetter.holds}. ${deadLetter.action}`,
      });
    }

    // Only when verification is on: without it nothing emits the metric, and an alarm that can
    // never leave OK would read, on the dashboard, as evidence that every revoked token is dead.
    this.tokenSurvived = props.verifyRevocation
      ? this.alarm('TokenSurvivedRevocation', {
          alarmName: `${prefix}-token-survived-revocation`,
          metric: countAcrossTriggers('TokenSurvivedRevocation'),
          alarmDescription:
            "SECURITY: Huawei answered 200 to a revocation, yet its validate API still accepts the token (outcome record verified: false). Treat it as a security incident: rotate the service account's credentials in Huawei Cloud Meeting, review the account's recent activity, and revoke again.",
        })
      : undefined;
    // Only with a bus: without one nothing is published, so nothing can fail.
    this.outcomeEventsFailed = props.outcomeEvents
      ? this.alarm('OutcomeEventsFailed', {
          alarmName: `${prefix}-outcome-events-failed`,
          metric: countAcrossTriggers('OutcomeEventsFailed'),
          alarmDescription:
            'Outcome events could not be put on the EventBridge bus after retries: workflows waiting for them heard nothing, though the outcome records are written. Check the bus exists and allows the function (events:PutEvents, the bus policy for another account) and the function logs, then tell the listeners from the outcome records.',
        })
      : undefined;
    // Only with rotation: nothing else emits it.
    this.rotationFailed = props.rotation
      ? this.alarm('RotationFailed', {
          alarmName: `${prefix}-rotation-failed`,
          metric: countAcrossTriggers('RotationFailed', ['rotation']),
          alarmDescription:
            "A rotation step failed (RotationFailed; the worker's function-errors alarm fires too): mint, validate, promote or the revocation of the replaced token. Read the worker function logs for the secret and step; AWSCURRENT keeps the token it had; Secrets Manager tries the rotation again, or run meeting-revoke rotate ACCOUNT once the cause is fixed.",
        })
      : undefined;

    // enforceSSL gives the topic a policy of its own, which replaces SNS's default one, and an
    // alarm action adds no permission: without this statement every notification is refused.
    // CloudWatch may publish for these alarms of this account and nothing else.
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnEquals: { 'aws:SourceArn': this.all.map((alarm) => alarm.alarmArn) },
        },
      }),
    );

    const extensionCounts = [
      ...(props.verifyRevocation ? ['TokenSurvivedRevocation', 'VerificationInconclusive'] : []),
      ...(props.outcomeEvents ? ['OutcomeEventsFailed'] : []),
    ];

    this.dashboard = new cw.Dashboard(this, 'Dashboard', {
      // Dashboard names are global to the account: the region keeps two regions' copies apart.
      dashboardName: `${prefix}-${Aws.REGION}`,
      defaultInterval: Duration.days(1),
      widgets: [
        [
          new cw.GraphWidget({
            title: 'Outcomes (all triggers)',
            width: 12,
            stacked: true,
            left: [
              'REVOKED',
              'ALREADY_INVALID',
              'ALREADY_REVOKED',
              'NOT_FOUND',
              'REJECTED',
              'FAILED',
            ].map((name) => countAcrossTriggers(name, outcomeTriggers)),
          }),
          new cw.GraphWidget({
            title: 'Upstream latency p50 / p99 (ms)',
            width: 12,
            left: triggers.flatMap((trigger) =>
              [cw.Stats.p(50), cw.Stats.p(99)].map(
                (statistic) =>
                  new cw.Metric({
                    namespace: metricsNamespace,
                    metricName: 'UpstreamLatency',
                    dimensionsMap: { service: serviceName, trigger },
                    statistic,
                    period,
                    label: `${trigger} ${statistic}`,
                  }),
              ),
            ),
          }),
        ],
        [
          new cw.GraphWidget({
            title: 'HTTP API',
            width: 12,
            left: [
              props.apiStage.metricCount({ period, statistic: cw.Stats.SUM, label: 'requests' }),
              props.apiStage.metricClientError({ period, statistic: cw.Stats.SUM, label: '4xx' }),
              props.apiStage.metricServerError({ period, statistic: cw.Stats.SUM, label: '5xx' }),
            ],
            right: [
              props.apiStage.metricLatency({ period, statistic: cw.Stats.p(99), label: 'p99 ms' }),
            ],
          }),
          new cw.GraphWidget({
            title: 'DynamoDB throttled requests',
            width: 12,
            left: props.tables.map((watched) => tableThrottles(watched.table, watched.label)),
          }),
        ],
        // A row per function, so the API's capacity is seen apart from the worker's.
        props.functions.map(
          (watched) =>
            new cw.GraphWidget({
              title: `${watched.label} function`,
              width: 12,
              left: [
                watched.function.metricInvocations({ period }),
                watched.function.metricErrors({ period }),
                watched.function.metricThrottles({ period }),
                watched.function.metric('ConcurrentExecutions', {
                  period,
                  statistic: cw.Stats.MAXIMUM,
                }),
              ],
              right: [watched.function.metricDuration({ period, statistic: cw.Stats.p(99) })],
            }),
        ),
        [
          new cw.GraphWidget({
            title: 'Queues (messages visible)',
            width: 24,
            left: [
              props.workQueue.metricApproximateNumberOfMessagesVisible({
                period,
                label: 'work queue',
              }),
              ...props.deadLetters.map((deadLetter) =>
                deadLetter.queue.metricApproximateNumberOfMessagesVisible({
                  period,
                  label: `${deadLetter.label} dead letters`,
                }),
              ),
            ],
          }),
        ],
        ...(extensionCounts.length > 0
          ? [
              [
                new cw.GraphWidget({
                  title: 'Verification and outcome events (all triggers)',
                  width: 24,
                  left: extensionCounts.map((name) => countAcrossTriggers(name)),
                }),
              ],
            ]
          : []),
        ...(props.rotation
          ? [
              [
                new cw.GraphWidget({
                  title: 'Rotation (failed steps, outcomes of replaced tokens)',
                  width: 24,
                  left: ['RotationFailed', 'REVOKED', 'FAILED'].map((name) =>
                    countAcrossTriggers(name, ['rotation']),
                  ),
                }),
              ],
            ]
          : []),
        [new cw.AlarmStatusWidget({ title: 'Alarms', width: 24, alarms: [...this.all] })],
      ],
    });
  }

  /** Every alarm here fires on the first occurrence and treats silence as health. */
  private alarm(
    id: string,
    props: Pick<cw.AlarmProps, 'alarmName' | 'metric' | 'alarmDescription'> & {
      threshold?: number;
    },
  ): cw.Alarm {
    const alarm = new cw.Alarm(this, id, {
      threshold: 1,
      ...props,
      evaluationPeriods: 1,
      comparisonOperator: cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cw.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    this.all.push(alarm);
    return alarm;
  }
}

/** Lambda's Errors of the function, plus the failures it answers rather than throws, if any. */
const functionErrors = (watched: WatchedFunction): cw.IMetric => {
  const thrown = watched.function.metricErrors({ period, statistic: cw.Stats.SUM });
  if (watched.answeredErrors === undefined) return thrown;
  const { metricName, trigger } = watched.answeredErrors;
  return new cw.MathExpression({
    // Either series is absent while nothing failed: a missing one counts as 0.
    expression: 'FILL(thrown, 0) + FILL(answered, 0)',
    usingMetrics: {
      thrown,
      answered: new cw.Metric({
        namespace: metricsNamespace,
        metricName,
        dimensionsMap: { service: serviceName, trigger },
        statistic: cw.Stats.SUM,
        period,
      }),
    },
    label: `${watched.label} errors (thrown + ${metricName})`,
    period,
  });
};

/** Read and write throttle events of a table, summed: on-demand tables throttle too (hot keys). */
const tableThrottles = (table: dynamodb.ITable, label: string): cw.MathExpression => {
  const id = label.replace(/[^A-Za-z0-9]/g, '_').toLowerCase();
  return new cw.MathExpression({
    // A table reports throttle events only when there are some: a missing series counts as 0.
    expression: `FILL(${id}_read, 0) + FILL(${id}_write, 0)`,
    usingMetrics: {
      [`${id}_read`]: table.metric('ReadThrottleEvents', { period, statistic: cw.Stats.SUM }),
      [`${id}_write`]: table.metric('WriteThrottleEvents', { period, statistic: cw.Stats.SUM }),
    },
    label: `${label} throttles`,
    period,
  });
};
