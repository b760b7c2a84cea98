// The work queue: visibility, batches, encryption and its dead-letter queue.
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

describe('the work queue', () => {
  it('hides a message for six function timeouts and parks it after five receives', () => {
    // Assess
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 6 * 29,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [ids.workDeadLetters, 'Arn'] },
        maxReceiveCount: 5,
      },
    });
  });

  it('feeds the function in batches, reporting partial failures, with bounded pollers', () => {
    // Assess
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [ids.workQueue, 'Arn'] },
      FunctionName: { Ref: ids.fn },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 5 },
    });
    variant.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ScalingConfig: { MaximumConcurrency: 3 },
    });
  });

  it('encrypts every queue and refuses plain-text access to it', () => {
    // Assess
    template.resourceCountIs('AWS::SQS::Queue', 5);
    template.resourcePropertiesCountIs('AWS::SQS::Queue', { SqsManagedSseEnabled: true }, 5);
    template.resourcePropertiesCountIs(
      'AWS::SQS::QueuePolicy',
      {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 'sqs:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      },
      5,
    );
  });

  it('keeps dead letters for the fourteen days SQS allows', () => {
    // Assess
    template.resourcePropertiesCountIs(
      'AWS::SQS::Queue',
      { MessageRetentionPeriod: 14 * 86400 },
      4,
    );
  });
});
