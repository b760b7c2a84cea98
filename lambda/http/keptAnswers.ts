// Idempotency-Key without an idempotency table (CONTRACT §4.1 promises it either way): the first
// answer is kept for an hour as an item of the outcome table, outside every account's history
// (its partition is not a valid account id, it has no `outcome`, and `expiresAt` lets a TTL
// remove it). Without Powertools' in-progress lock two simultaneous first requests may both
// run; the second then finds the token ALREADY_REVOKED, so no token is revoked twice upstream.
import { createHash } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { logger } from '../commons/powertools.js';
import { awsErrorName } from '../errors.js';

export const KEPT_ANSWERS_PARTITION = '~idempotency-keys';

export interface KeptAnswer<A> {
  answer: A;
  payloadHash: string;
}

const digest = (...parts: string[]) =>
  createHash('sha256').update(parts.join('\u0000')).digest('hex');

export class KeptAnswers<A> {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly windowSeconds: number,
  ) {}

  /** The key as stored: the caller's identity and key, hashed (a key may be anything visible). */
  keyOf(actor: string, idempotencyKey: string): string {
    return digest(actor, idempotencyKey);
  }

  payloadHashOf(payload: unknown): string {
    return digest(JSON.stringify(payload));
  }

  async find(key: string): Promise<KeptAnswer<A> | undefined> {
    const { Item } = await this.documents.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { accountId: KEPT_ANSWERS_PARTITION, recordId: key },
        ConsistentRead: true,
      }),
    );
    if (!Item || Number(Item['expiresAt']) <= Date.now() / 1000) return undefined;
    return { answer: Item['answer'] as A, payloadHash: String(Item['payloadHash']) };
  }

  /** Keeps the answer; a failure only costs the guarantee for this key, so it is logged. */
  async keep(key: string, payloadHash: string, answer: A): Promise<void> {
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            accountId: KEPT_ANSWERS_PARTITION,
            recordId: key,
            payloadHash,
            answer,
            expiresAt: Math.floor(Date.now() / 1000) + this.windowSeconds,
          },
        }),
      );
    } catch (error) {
      logger.warn('could not keep the answer of an Idempotency-Key', {
        error: awsErrorName(error),
      });
    }
  }
}
