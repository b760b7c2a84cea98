// The two DynamoDB tables: the outcome history (an audit trail, kept) and the idempotency keys (scratch).
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

export class RevocationTables extends Construct {
  /** The outcome records: one item per revocation outcome, newest last within an account. */
  public readonly outcomes: dynamodb.Table;
  /** Powertools idempotency: partition key `id`, TTL attribute `expiration`. */
  public readonly idempotency: dynamodb.Table;

  public constructor(scope: Construct, id: string) {
    super(scope, id);

    this.outcomes = new dynamodb.Table(this, 'Outcomes', {
      partitionKey: { name: 'accountId', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'recordId', type: dynamodb.AttributeType.STRING },
      // Revocations come in bursts (a nightly sweep, an offboarding wave) and are idle otherwise.
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Only the claims on secret versions carry `expiresAt` (an hour after they settle, or after a
      // mint's lease): outcome records and revoked-version markers never do, and are kept.
      timeToLiveAttribute: 'expiresAt',
      // The history is the proof that a token was revoked, and what keeps the next sweep from sending
      // revoked tokens to Huawei again: it outlives the stack (and any replacement), but not a
      // failed first create, which would strand an empty table. No deletion protection for the same
      // reason: it would stop that rollback; termination protection guards the stack, and
      // point-in-time recovery leaves a 35-day backup of a table deleted by hand.
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });

    this.idempotency = new dynamodb.Table(this, 'Idempotency', {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: 'expiration',
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Keys expire within hours; nothing here is worth keeping once the stack is gone.
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }
}
