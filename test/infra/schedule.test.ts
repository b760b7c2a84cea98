// The sweep schedule: EventBridge Scheduler, its input, retries, dead letters and role.
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Synthesized, synthesize } from './synthesize.js';
import {
  actionsOf,
  logicalId,
  type StackIds,
  statementsOf,
  synthesizeDefaults,
  variantContext,
} from './template.js';

let template: Template;
let variant: Synthesized;
let ids: StackIds;

beforeAll(() => {
  ({ template, ids } = synthesizeDefaults());
  variant = synthesize(variantContext);
});

describe('the sweep schedule', () => {
  it('is an EventBridge Scheduler schedule sending the sweep input with retries and a dead-letter queue', () => {
    // Prepare
    const schedules = template.findResources('AWS::Scheduler::Schedule');
    const [schedule] = Object.values(schedules);

    // Assess
    expect(Object.keys(schedules)).toHaveLength(1);
    expect(schedule?.Properties).toMatchObject({
      ScheduleExpression: 'cron(0 2 * * ? *)',
      ScheduleExpressionTimezone: 'Etc/UTC',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: { 'Fn::GetAtt': [ids.fn, 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [ids.sweepDeadLetters, 'Arn'] } },
      },
    });
    expect(JSON.parse(schedule?.Properties.Target.Input)).toEqual({
      action: 'sweep',
      scheduledTime: '<aws.scheduler.scheduled-time>',
      executionId: '<aws.scheduler.execution-id>',
    });
  });

  it('takes its expression, time zone and state from context', () => {
    // Assess
    variant.template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(30 3 ? * MON-FRI *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      State: 'DISABLED',
    });
  });

  it('is not a legacy EventBridge scheduled rule', () => {
    // Assess
    template.resourcePropertiesCountIs(
      'AWS::Events::Rule',
      { ScheduleExpression: Match.anyValue() },
      0,
    );
  });

  it('assumes a role this account only can hand to Scheduler, allowed to invoke the function only', () => {
    // Prepare
    const roleId = logicalId(template, 'AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
        ],
      },
    });
    const statements = statementsOf(template, roleId);

    // Assess
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Target: { RoleArn: { 'Fn::GetAtt': [roleId, 'Arn'] } },
    });
    expect(statements.flatMap(actionsOf).sort()).toEqual([
      'lambda:InvokeFunction',
      'sqs:SendMessage',
    ]);
    expect(
      statements.find((s) => actionsOf(s).includes('lambda:InvokeFunction'))?.Resource,
    ).toEqual([
      { 'Fn::GetAtt': [ids.fn, 'Arn'] },
      { 'Fn::Join': ['', [{ 'Fn::GetAtt': [ids.fn, 'Arn'] }, ':*']] },
    ]);
  });
});
