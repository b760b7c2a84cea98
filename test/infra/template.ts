// What the infra tests read out of a synthesised template (policy statements, logical ids, alarms),
// and the two stacks most of them look at: cdk.json's defaults, and a variant with every setting changed.
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { expect } from 'vitest';
import type { RevokerStack } from '../../infra/RevokerStack.js';
import { type Synthesized, synthesize } from './synthesize.js';

export interface Statement {
  Sid?: string;
  Effect: string;
  Principal?: unknown;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

export const actionsOf = (statement: Statement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

/** The logical id of the one resource of `type` whose properties match `props`. */
export const logicalId = (template: Template, type: string, props: object = {}): string => {
  const ids = Object.keys(template.findResources(type, { Properties: props }));
  expect(ids).toHaveLength(1);
  return ids[0]!;
};

/** The statements of the inline policies attached to the role `roleId`. */
export const statementsOf = (template: Template, roleId: string): Statement[] =>
  Object.values(
    template.findResources('AWS::IAM::Policy', {
      Properties: { Roles: Match.arrayWith([{ Ref: roleId }]) },
    }),
  ).flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);

/** The logical ids of the alarms watching the metric `metricName`. */
export const alarmIdsOn = (template: Template, metricName: string): string[] =>
  Object.keys(
    template.findResources('AWS::CloudWatch::Alarm', {
      Properties: {
        Metrics: Match.arrayWith([
          Match.objectLike({
            MetricStat: Match.objectLike({
              Metric: Match.objectLike({ MetricName: metricName }),
            }),
          }),
        ]),
      },
    }),
  );

/** An alarm that fires on the first occurrence within one period. */
export const firing = {
  Threshold: 1,
  EvaluationPeriods: 1,
  ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  TreatMissingData: 'notBreaching',
};

export const kmsKeyArn =
  'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** A secrets ARN pattern (`name-??????`, `prefix*`), as the template writes it. */
export const secretArnOf = (pattern: string) => ({
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':secretsmanager:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      `:secret:${pattern}`,
    ],
  ],
});

/** The ARNs of the secrets under cdk.json's default prefix, as the template writes them. */
export const secretArns = secretArnOf('meeting/service-accounts/*');

/** The context of the variant stack: every setting the defaults leave alone, changed. */
export const variantContext = {
  secretsKmsKeyArn: kmsKeyArn,
  alarmEmail: 'oncall@example.com',
  reservedConcurrency: 'none',
  scheduleEnabled: 'false',
  scheduleExpression: 'cron(30 3 ? * MON-FRI *)',
  scheduleTimeZone: 'Europe/Berlin',
  offboardingEventBusName: 'hr-events',
  offboardingEventSource: 'hr.workday,corp.identity',
  queueMaxConcurrency: '3',
  logRetentionDays: '30',
};

/** The logical ids of the stack's resources, by their role in the deployment diagram. */
export interface StackIds {
  fn: string;
  apiFn: string;
  role: string;
  outcomes: string;
  idempotency: string;
  workQueue: string;
  workDeadLetters: string;
  failedInvocations: string;
  offboardingDeadLetters: string;
  sweepDeadLetters: string;
  topic: string;
  key: string;
  api: string;
  stage: string;
  rule: string;
}

export const idsOf = (stack: RevokerStack): StackIds => {
  const id = (construct: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(construct.node.defaultChild as never);
  return {
    fn: id(stack.revoker.function),
    apiFn: id(stack.apiRevoker.function),
    role: id(stack.revoker.function.role as never),
    outcomes: id(stack.tables.outcomes),
    idempotency: id(stack.tables.idempotency),
    workQueue: id(stack.work.queue),
    workDeadLetters: id(stack.work.deadLetters.queue),
    failedInvocations: id(stack.revoker.failedInvocations!.queue),
    offboardingDeadLetters: id(stack.offboarding.deadLetters.queue),
    sweepDeadLetters: id(stack.sweep.deadLetters.queue),
    topic: id(stack.alarms.topic),
    key: id(stack.alarms.topicKey),
    api: id(stack.api.api),
    stage: id(stack.api.stage),
    rule: id(stack.offboarding.rule),
  };
};

/** The stack as cdk.json's defaults synthesise it, with its logical ids. */
export const synthesizeDefaults = (): Synthesized & { ids: StackIds } => {
  const defaults = synthesize();
  return { ...defaults, ids: idsOf(defaults.stack) };
};
