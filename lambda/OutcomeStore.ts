// The outcome table (CONTRACT §5): one item per revocation, plus one marker item per revoked
// secret version so that ALREADY_REVOKED is a single key lookup, not a scan of the history.
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { logger } from './commons/powertools.js';
import { awsErrorName, OutcomeRecordError } from './errors.js';
import { isTokenDead, type OutcomeRecord } from './outcome.js';

/**
 * Marker items sort after every record (`~` follows the digits that begin an ISO time) and carry
 * no `outcome` attribute, so they are never mistaken for records.
 */
const MARKER_PREFIX = '~revoked#';
const HISTORY_UPPER_BOUND = '~';

export const MAX_HISTORY = 50;

/**
 * What a marker is keyed on: the secret version, or, when Secrets Manager (or a look-alike) gives
 * no version id, the token's fingerprint, so that a token revoked once is known as such either way.
 */
export const markerKeyOf = (
  secretVersionId: string | undefined,
  tokenFingerprint: string,
): string => secretVersionId ?? `sha256:${tokenFingerprint}`;

export class OutcomeStore {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Whether this secret version's token was already recorded dead. */
  async isVersionRevoked(accountId: string, markerKey: string): Promise<boolean> {
    const { Item } = await this.documents.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { accountId, recordId: `${MARKER_PREFIX}${markerKey}` },
        ConsistentRead: true,
        ProjectionExpression: 'accountId',
      }),
    );
    return Item !== undefined;
  }

  /**
   * Which of these secret versions were already recorded dead, in one BatchGetItem per 100 keys
   * (the sweep asks for twenty at a time), keys DynamoDB leaves unprocessed asked again.
   * Returns the keys `${accountId}#${secretVersionId}` that are marked.
   */
  async revokedVersions(
    versions: readonly { accountId: string; secretVersionId: string }[],
  ): Promise<Set<string>> {
    const marked = new Set<string>();
    for (let i = 0; i < versions.length; i += 100) {
      let keys: Record<string, unknown>[] | undefined = versions
        .slice(i, i + 100)
        .map(({ accountId, secretVersionId }) => ({
          accountId,
          recordId: `${MARKER_PREFIX}${secretVersionId}`,
        }));
      for (let round = 0; keys && keys.length > 0; round += 1) {
        if (round > 5) throw new Error('BatchGetItem left keys unprocessed after 6 rounds');
        if (round > 0) await new Promise((resolve) => setTimeout(resolve, 2 ** round * 25));
        const answer: BatchGetCommandOutput = await this.documents.send(
          new BatchGetCommand({
            RequestItems: {
              [this.tableName]: {
                Keys: keys,
                ConsistentRead: true,
                ProjectionExpression: 'accountId, recordId',
              },
            },
          }),
        );
        for (const item of answer.Responses?.[this.tableName] ?? []) {
          const versionId = String(item['recordId']).slice(MARKER_PREFIX.length);
          marked.add(`${String(item['accountId'])}#${versionId}`);
        }
        keys = answer.UnprocessedKeys?.[this.tableName]?.Keys;
      }
    }
    return marked;
  }

  /**
   * Writes the record; when the token is now known dead, then the version's marker. The record
   * is what counts: its failure throws, while a lost marker only costs one upstream call later
   * (which then answers 401, ALREADY_INVALID), so it is logged, not thrown. The marker waits for
   * its record: a marker without one would answer ALREADY_REVOKED for a revocation the history
   * does not hold.
   */
  async record(record: OutcomeRecord): Promise<void> {
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: record,
          // Never overwrite a record: an audit trail only grows.
          ConditionExpression: 'attribute_not_exists(recordId)',
        }),
      );
    } catch (error) {
      if (!(await this.isStoredAfterAll(record, error))) {
        throw new OutcomeRecordError(record.accountId, awsErrorName(error), { cause: error });
      }
    }
    if (
      record.tokenFingerprint &&
      isTokenDead(record.outcome) &&
      record.outcome !== 'ALREADY_REVOKED'
    ) {
      const markerKey = markerKeyOf(record.secretVersionId, record.tokenFingerprint);
      await this.putMarker(record, markerKey).catch((error: unknown) => {
        logger.warn('could not write the revoked-version marker', {
          accountId: record.accountId,
          error: awsErrorName(error),
        });
      });
    }
  }

  /**
   * A retried PutItem whose earlier try was written, its answer lost on the way, fails its own
   * condition: the record is there all the same, which is all that was asked.
   */
  private async isStoredAfterAll(record: OutcomeRecord, error: unknown): Promise<boolean> {
    if (awsErrorName(error) !== 'ConditionalCheckFailedException') return false;
    try {
      const { Item } = await this.documents.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { accountId: record.accountId, recordId: record.recordId },
          ConsistentRead: true,
        }),
      );
      return Item?.['requestId'] === record.requestId && Item?.['outcome'] === record.outcome;
    } catch {
      return false;
    }
  }

  private async putMarker(record: OutcomeRecord, markerKey: string): Promise<void> {
    await this.documents.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          accountId: record.accountId,
          recordId: `${MARKER_PREFIX}${markerKey}`,
          ...(record.secretVersionId ? { secretVersionId: record.secretVersionId } : {}),
          revokedBy: record.recordId,
          markedAt: record.recordedAt,
        },
      }),
    );
  }

  /** The account's records, newest first. */
  async history(accountId: string, limit: number = MAX_HISTORY): Promise<OutcomeRecord[]> {
    const { Items } = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'accountId = :accountId AND recordId < :upper',
        ExpressionAttributeValues: { ':accountId': accountId, ':upper': HISTORY_UPPER_BOUND },
        ScanIndexForward: false,
        Limit: Math.min(Math.max(1, limit), MAX_HISTORY),
      }),
    );
    return (Items ?? []) as OutcomeRecord[];
  }
}
