// The deployment, read top to bottom: storage, work queue, the function, its three triggers, alarms.
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
  public readonly revoker: RevokerFunction;
  public readonly api: RevocationApi;
  public readonly sweep: SweepSchedule;
  public readonly offboarding: OffboardingRule;
  public readonly alarms: Alarms;

  public constructor(scope: Construct, id: string, props: RevokerStackProps) {
    super(scope, id, {
      description:
        'meeting-token-revoker: revokes Huawei Cloud Meeting tokens held in Secrets Manager',
      ...props,
    });
    const { config } = props;
    const codePath = props.codePath ?? config.codePath;

    this.tables = new RevocationTables(this, 'Tables');
    this.work = new WorkQueue(this, 'Work', { consumerTimeout: RevokerFunction.timeout });
    this.revoker = new RevokerFunction(this, 'Revoker', {
      config,
      codePath: isAbsolute(codePath) ? codePath : resolve(root, codePath),
      outcomeTable: this.tables.outcomes,
      idempotencyTable: this.tables.idempotency,
      workQueue: this.work.queue,
    });
    const fn = this.revoker.function;

    this.work.feed(fn, {
      batchSize: config.queueBatchSize,
      maxConcurrency: config.queueMaxConcurrency,
    });
    this.api = new RevocationApi(this, 'Http', {
      handler: fn,
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

    const deadLetters = [
      this.work.deadLetters,
      this.revoker.failedInvocations,
      this.offboarding.deadLetters,
      this.sweep.deadLetters,
    ];
    this.alarms = new Alarms(this, 'Alarms', {
      function: fn,
      workQueue: this.work.queue,
      deadLetters,
      email: config.alarmEmail,
      verifyRevocation: config.verifyRevocation,
      outcomeEvents: config.outcomeEventBusName !== undefined,
    });

    new CfnOutput(this, 'ApiUrl', {
      description: 'Base URL of the HTTP API (SigV4, service execute-api)',
      value: this.api.url,
    });
    new CfnOutput(this, 'ApiInvokeResources', {
      description: "The execute-api ARNs to allow in an ops tool's IAM policy",
      value: `${this.api.routeArns.revoke},${this.api.routeArns.history}`,
    });
    new CfnOutput(this, 'FunctionName', { value: fn.functionName });
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
