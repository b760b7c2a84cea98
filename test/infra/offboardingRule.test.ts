// The offboarding rule: which events it matches, on which bus, and what it may invoke.
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, it } from 'vitest';
import { type Synthesized, synthesize } from './synthesize.js';
import { type StackIds, synthesizeDefaults, variantContext } from './template.js';

let template: Template;
let variant: Synthesized;
let ids: StackIds;

beforeAll(() => {
  ({ template, ids } = synthesizeDefaults());
  variant = synthesize(variantContext);
});

describe('the offboarding rule', () => {
  it('matches "Account Offboarded" from the configured source on the default bus', () => {
    // Assess
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: Match.absent(),
      EventPattern: { source: ['corp.identity'], 'detail-type': ['Account Offboarded'] },
      State: 'ENABLED',
      Targets: [
        {
          Id: Match.anyValue(),
          Arn: { 'Fn::GetAtt': [ids.fn, 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [ids.offboardingDeadLetters, 'Arn'] } },
        },
      ],
    });
  });

  it('listens on a named bus for several sources when configured', () => {
    // Assess
    variant.template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: 'hr-events',
      EventPattern: {
        source: ['hr.workday', 'corp.identity'],
        'detail-type': ['Account Offboarded'],
      },
    });
  });

  it('may invoke the function, and park undeliverable events, from this rule only', () => {
    // Assess
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'events.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [ids.fn, 'Arn'] },
      SourceArn: { 'Fn::GetAtt': [ids.rule, 'Arn'] },
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: ids.offboardingDeadLetters }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ids.rule, 'Arn'] } } },
          }),
        ]),
      },
    });
  });
});
