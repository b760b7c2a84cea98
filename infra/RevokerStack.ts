// The deployment, read top to bottom: storage, work queue, the API function and the worker (one
// bundle deployed twice), the API and the worker's three triggers, alarms.
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Alarms } from './Alarms.js';
import type { RevokerConfig } from './config.js';
import { OffboardingRule } from './OffboardingRule.js';
import { RevocationApi } from './RevocationApi.js';
import { RevocationTables } from './RevocationTables.js';
import { RevokerFunction } from './RevokerFunction.js';
import { SecretRotation } from './SecretRotation.js';
import { SweepSchedule } from './SweepSchedule.js';
import { WorkQueue } from './WorkQueue.js';

export interface RevokerStackProps extends StackProps {
  readonly config: RevokerConfig;
  /** Overrides `config.codePath`; tests point it at a stub bundle. */
  readonly codePath?: string;
}

/** The repository root: relative code paths are read from here, wherever `cdk` is run from. */
const root = fileURLToPath(new URL('..', import.meta.url));

export class RevokerStack extends Stack {
  public readonly tables: RevocationTables;
  public readonly work: WorkQueue;
  /** The worker: the schedule, offboarding events and the work queue. */
  public readonly revoker: RevokerFunction;
  /** Behind the HTTP API only, with capacity and permissions of its own. */
  public readonly apiRevoker: RevokerFunction;
  public readonly api: RevocationApi;
  public readonly sweep: SweepSchedule;
  public readonly offboarding: OffboardingRule;
  /** Present when `rotationAccounts` lists accounts: the worker rotates their secrets. */
  public readonly rotation: SecretRotation | undefined;
  public readonly alarms: Alarms;

  public constructor(scope: Construct, id: string, props: RevokerStackProps) {
    super(scope, id, {
      description:
        'meeting-token-revoker: revokes Huawei Cloud Meeting tokens held in Secrets Manager',
      terminationProtection: props.config.terminationProtection,
      ...props,
    });
    const { config } = props;
    const relativeCodePath = props.codePath ?? config.codePath;
    const codePath = isAbsolute(relativeCodePath)
      ? relativeCodePath
      : resolve(root, relativeCodePath);

    this.tables = new RevocationTables(this, 'Tables');
    this.work = new WorkQueue(this, 'Work', { consumerTimeout: RevokerFunction.timeout });
    // The same bundle twice: a wave of events or a big sweep can exhaust the worker's concurrency,
    // never the API's, and the API function cannot enumerate secrets or enqueue work.
    this.revoker = new RevokerFunction(this, 'Revoker', {
      kind: 'worker',
      config,
      reservedConcurrency: config.reservedConcurrency,
      codePath,
      outcomeTable: this.tables.outcomes,
      idempotencyTable: this.tables.idempotency,
      workQueue: this.work.queue,
    });
    this.apiRevoker = new RevokerFunction(this, 'ApiRevoker', {
      kind: 'api',
      config,
      reservedConcurrency: config.apiReservedConcurrency,
      codePath,
      outcomeTable: this.tables.outcomes,
      idempotencyTable: this.tables.idempotency,
    });
    const fn = this.revoker.function;

    this.work.feed(fn, {
      batchSize: config.queueBatchSize,
      maxConcurrency: config.queueMaxConcurrency,
    });
    this.api = new RevocationApi(this, 'Http', {
      handler: this.apiRevoker.function,
      rateLimit: config.apiThrottleRateLimit,
      burstLimit: config.apiThrottleBurstLimit,
      logRetentionDays: config.logRetentionDays,
    });
    this.sweep = new SweepSchedule(this, 'Sweep', {
      target: fn,
      expression: config.scheduleExpression,
      timeZone: config.scheduleTimeZone,
      enabled: config.scheduleEnabled,
    });
    this.offboarding = new OffboardingRule(this, 'Offboarding', {
      target: fn,
      eventBusName: config.offboardingEventBusName,
      sources: config.offboardingEventSources,
    });

    this.rotation =
      config.rotation === undefined
        ? undefined
        : new SecretRotation(this, 'Rotation', {
            rotation: config.rotation,
            secretPrefix: config.secretPrefix,
            rotator: fn,
            hasWorkQueue: true,
            secretsKmsKeyArn: config.secretsKmsKeyArn,
          });

    const deadLetters = [
      this.work.deadLetters,
      ...(this.revoker.failedInvocations !== undefined ? [this.revoker.failedInvocations] : []),
      this.offboarding.deadLetters,
      this.sweep.deadLetters,
    ];
    this.alarms = new Alarms(this, 'Alarms', {
      functions: [
        {
          label: 'api',
          function: this.apiRevoker.function,
          errorsMean:
            'The API function threw past its error handler, or answered 5xx (HttpServerError: a bad setting, CONFIGURATION_ERROR; an unrecorded outcome; INTERNAL_ERROR; or a revocation that ended REJECTED or FAILED). Read the API function logs: each HttpServerError line carries its errorCode.',
          answeredErrors: { metricName: 'HttpServerError', trigger: 'api' },
          throttlesMean:
            'The API function hit its own reserved concurrency: ops callers got 429 or 500 answers. Raise apiReservedConcurrency, or find the caller sending too many requests (access log).',
        },
        {
          label: 'worker',
          function: fn,
          errorsMean:
            'The worker function threw: an invalid event, a missing or invalid setting, an AWS error, an offboarding event or sweep with FAILED revocations, or a failed rotation step. Read the worker function logs; asynchronous invocations are retried, then parked in the failed-invocations queue.',
          throttlesMean:
            'The worker function hit its reserved concurrency: offboarding events and sweeps were delayed (Lambda retries them), the API is not affected. Raise reservedConcurrency if Huawei can take it, or lower queueMaxConcurrency.',
        },
      ],
      apiStage: this.api.stage,
      tables: [
        {
          label: 'outcome-table',
          table: this.tables.outcomes,
          throttlesMean:
            'DynamoDB throttled reads or writes of the outcome table: records may be late (retried) or missing (the answer says OUTCOME_NOT_RECORDED, the queue retries). Look for a hot account in the logs; on-demand tables throttle a single partition past its limits.',
        },
        {
          label: 'idempotency-table',
          table: this.tables.idempotency,
          throttlesMean:
            'DynamoDB throttled the idempotency table: duplicate events or repeated Idempotency-Key requests may fail instead of being answered from it. Check the function logs for the affected requests.',
        },
      ],
      workQueue: this.work.queue,
      deadLetters,
      email: config.alarmEmail,
      verifyRevocation: config.verifyRevocation,
      outcomeEvents: config.outcomeEventBusName !== undefined,
      rotation: this.rotation !== undefined,
    });

    new CfnOutput(this, 'ApiUrl', {
      description: 'Base URL of the HTTP API (SigV4, service execute-api)',
      value: this.api.url,
    });
    new CfnOutput(this, 'ApiInvokeResources', {
      description: "The execute-api ARNs to allow in an ops tool's IAM policy",
      value: `${this.api.routeArns.revoke},${this.api.routeArns.history}`,
    });
    new CfnOutput(this, 'FunctionName', {
      description: 'The worker function: sweeps, offboarding events, the work queue',
      value: fn.functionName,
    });
    new CfnOutput(this, 'ApiFunctionName', {
      description: 'The function behind the HTTP API',
      value: this.apiRevoker.function.functionName,
    });
    new CfnOutput(this, 'OutcomeTableName', { value: this.tables.outcomes.tableName });
    new CfnOutput(this, 'WorkQueueUrl', { value: this.work.queue.queueUrl });
    new CfnOutput(this, 'AlarmTopicArn', {
      description: 'Subscribe a pager or chat integration here',
      value: this.alarms.topic.topicArn,
    });
    new CfnOutput(this, 'DashboardName', { value: this.alarms.dashboard.dashboardName });
    for (const deadLetter of deadLetters) {
      new CfnOutput(this, `${pascal(deadLetter.label)}DeadLettersUrl`, {
        description: `Dead letters: ${deadLetter.holds}`,
        value: deadLetter.queue.queueUrl,
      });
    }
  }
}

const pascal = (kebab: string): string =>
  kebab.replace(/(^|-)([a-z])/g, (_match, _dash: string, letter: string) => letter.toUpperCase());
