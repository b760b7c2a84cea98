// The tables: the outcome history kept for good, idempotency keys that expire on their own.
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, it } from 'vitest';
import { synthesize } from './synthesize.js';

let template: Template;

beforeAll(() => {
  ({ template } = synthesize());
});

describe('the tables', () => {
  it('keep the outcome history: on-demand, point-in-time recovery, encrypted, retained', () => {
    // Assess
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        KeySchema: [
          { AttributeName: 'accountId', KeyType: 'HASH' },
          { AttributeName: 'recordId', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'accountId', AttributeType: 'S' },
          { AttributeName: 'recordId', AttributeType: 'S' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        DeletionProtectionEnabled: Match.absent(),
        // Only claims carry expiresAt; records and markers are kept.
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      },
      DeletionPolicy: 'RetainExceptOnCreate',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('expire idempotency keys on `expiration`', () => {
    // Assess
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true },
    });
  });
});
