// What wakes an operator: failed revocations, dead letters, function errors and throttles, and with
// the extensions on, tokens that survived revocation and lost outcome events; plus a dashboard.
import { Duration, Stack } from 'aws-cdk-lib';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { DeadLetterQueue } from './DeadLetterQueue.js';
import { metricsNamespace, serviceName } from './RevokerFunction.js';

export interface AlarmsProps {
  readonly function: lambda.IFunction;
  readonly workQueue: sqs.IQueue;
  readonly deadLetters: readonly DeadLetterQueue[];
  /** Subscribed to the alarm topic when set. */
  readonly email: string | undefined;
  /** `verifyRevocation`: the function emits `TokenSurvivedRevocation` and `VerificationInconclusive`. */
  readonly verifyRevocation: boolean;
  /** `outcomeEventBusName` is set: the function emits `OutcomeEventsFailed`. */
  readonly outcomeEvents: boolean;
}

/** The `trigger` dimension values the function emits (CONTRACT §5). */
export const triggers = ['api', 'offboarding', 'schedule'] as const;

const period = Duration.minutes(5);

/**
 * One count (an outcome such as `FAILED`, or an event such as `TokenSurvivedRevocation`) summed
 * across every trigger: the function emits one series per trigger.
 */
export const countAcrossTriggers = (metricName: string): cw.MathExpression => {
  // Ids are unique per graph, so they carry the metric, in the snake case metric math ids allow:
  // `failed_api`, `token_survived_revocation_offboarding`, ...
  const stem = metricName.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
  const id = (trigger: string): string => `${stem}_${trigger}`;
  return new cw.MathExpression({
    expression: `SUM([${triggers.map(id).join(', ')}])`,
    usingMetrics: Object.fromEntries(
      triggers.map((trigger) => [
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

export class Alarms extends Construct {
  public readonly topic: sns.Topic;
  public readonly dashboard: cw.Dashboard;
  /** Present when `verifyRevocation` is on. */
  public readonly tokenSurvived: cw.Alarm | undefined;
  /** Present when `outcomeEventBusName` is set. */
  public readonly outcomeEventsFailed: cw.Alarm | undefined;
  private readonly action: SnsAction;

  public constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    const prefix = Stack.of(this).stackName;

    // Unencrypted on purpose: CloudWatch cannot publish to a topic under the AWS managed SNS key,
    // and alarm notifications carry alarm names and counts, never a token or an account id.
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'meeting-token-revoker alarms',
      enforceSSL: true,
    });
    if (props.email !== undefined) this.topic.addSubscription(new EmailSubscription(props.email));
    this.action = new SnsAction(this.topic);

    const failed = this.alarm('RevocationsFailed', {
      alarmName: `${prefix}-revocations-failed`,
      metric: countAcrossTriggers('FAILED'),
      alarmDescription:
        'A revocation ended FAILED (Huawei 5xx, 408, 429, network error or timeout after every retry): the token may still be valid. Check the outcome records and logs; queued and event revocations are retried automatically, API calls must be repeated.',
    });
    const rejected = this.alarm('RevocationsRejected', {
      alarmName: `${prefix}-revocations-rejected`,
      metric: countAcrossTriggers('REJECTED'),
      alarmDescription:
        'Huawei Cloud Meeting refused a revocation (400, 403 or another 4xx): it is never retried and the token may still be valid. Read upstreamErrorCode in the outcome record and fix the token or the account.',
    });
    const errors = this.alarm('FunctionErrors', {
      alarmName: `${prefix}-function-errors`,
      metric: props.function.metricErrors({ period, statistic: cw.Stats.SUM }),
      alarmDescription:
        'The revoker function threw: an invalid event, a missing setting, an AWS error, or an offboarding event or sweep with FAILED revocations. Read the function logs; asynchronous invocations are retried, then parked in the failed-invocations queue.',
    });
    const throttles = this.alarm('FunctionThrottles', {
      alarmName: `${prefix}-function-throttles`,
      metric: props.function.metricThrottles({ period, statistic: cw.Stats.SUM }),
      alarmDescription:
        'The revoker function hit its reserved concurrency: API callers got 429s and events were delayed. Raise reservedConcurrency if Huawei can take it, or lower queueMaxConcurrency.',
    });
    const backlog = this.alarm('WorkQueueBacklog', {
      alarmName: `${prefix}-work-queue-backlog`,
      metric: props.workQueue.metricApproximateAgeOfOldestMessage({
        period,
        statistic: cw.Stats.MAXIMUM,
      }),
      threshold: Duration.hours(1).toSeconds(),
      alarmDescription:
        'A work message has waited over an hour: the sweep is not keeping up or the consumer is disabled. Check the event source mapping, throttles and the function logs.',
    });
    const deadLetters = props.deadLetters.map((deadLetter) =>
      this.alarm(`${deadLetter.label}-dead-letters`, {
        alarmName: `${prefix}-${deadLetter.label}-dead-letters`,
        metric: deadLetter.queue.metricApproximateNumberOfMessagesVisible({
          period,
          statistic: cw.Stats.MAXIMUM,
        }),
        alarmDescription: `Dead letters: ${deadLetter.holds}. ${deadLetter.action}`,
      }),
    );

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
    const extensionAlarms = [this.tokenSurvived, this.outcomeEventsFailed].filter(
      (alarm): alarm is cw.Alarm => alarm !== undefined,
    );
    const extensionCounts = [
      ...(props.verifyRevocation ? ['TokenSurvivedRevocation', 'VerificationInconclusive'] : []),
      ...(props.outcomeEvents ? ['OutcomeEventsFailed'] : []),
    ];

    this.dashboard = new cw.Dashboard(this, 'Dashboard', {
      dashboardName: prefix,
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
            ].map(countAcrossTriggers),
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
            title: 'Function',
            width: 12,
            left: [
              props.function.metricInvocations({ period }),
              props.function.metricErrors({ period }),
              props.function.metricThrottles({ period }),
            ],
            right: [props.function.metricDuration({ period, statistic: cw.Stats.p(99) })],
          }),
          new cw.GraphWidget({
            title: 'Queues (messages visible)',
            width: 12,
            left: [
              props.workQueue.metricApproximateNumberOfMessagesVisible({ period, label: 'work' }),
              ...props.deadLetters.map((deadLetter) =>
                deadLetter.queue.metricApproximateNumberOfMessagesVisible({
                  period,
                  label: deadLetter.label,
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
                  left: extensionCounts.map(countAcrossTriggers),
                }),
              ],
            ]
          : []),
        [
          new cw.AlarmStatusWidget({
            title: 'Alarms',
            width: 24,
            alarms: [
              failed,
              rejected,
              errors,
              throttles,
              backlog,
              ...extensionAlarms,
              ...deadLetters,
            ],
          }),
        ],
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
    return alarm;
  }
}
