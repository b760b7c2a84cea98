// The outcome table (docs/INTERFACE.md, "Outcome records"): one item per revocation, plus one marker item per revoked
// secret version so that ALREADY_REVOKED is a single key lookup, not a scan of the history.

import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  BatchWriteCommand,
  type BatchWriteCommandOutput,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { inBatches, resendRefused } from '../commons/batches.js';
import { awsErrorName, OutcomeRecordError, OutcomeTableError } from '../commons/errors.js';
import { MAX_HISTORY } from '../commons/interface.js';
import { logger } from '../commons/powertools.js';
import { marksVersion, type Outcome, type OutcomeRecord } from '../core/outcome.js';
import {
  type ClaimSettlement,
  type ClaimState,
  type OutcomeLedger,
  type SettledClaim,
  type VersionRef,
  WRITE_BATCH,
} from '../core/ports.js';

/**
 * Marker items sort after every record (`~` follows the digits that begin an ISO time) and carry
 * no `outcome` attribute, so they are never mistaken for records.
 */
const MARKER_PREFIX = '~revoked#';
const HISTORY_UPPER_BOUND = '~';
/**
 * Claim items (no `outcome` either): the one revocation allowed to call Huawei for a secret version
 * holds the claim until its lease runs out; it then settles it with its outcome, which concurrent
 * revocations of that version adopt instead of calling again.
 */
const CLAIM_PREFIX = '~claim#';

/** How long a settled claim is kept for the TTL (`expiresAt`, epoch seconds) to remove it. */
const SETTLED_CLAIM_TTL_SECONDS = 3600;

/**
 * What a claim is on: a secret version's revocation, or (rotation) the mint of a new token into a
 * version, which must happen once per version however many attempts run.
 */
export type ClaimRef = VersionRef & { purpose?: 'revoke' | 'mint' };

/**
 * What a marker is keyed on: the secret version, or, when Secrets Manager (or a look-alike) gives
 * no version id, the token's fingerprint, so that a token revoked once is known as such either way.
 */
const markerKeyOf = ({ secretVersionId, tokenFingerprint }: VersionRef): string => {
  if (secretVersionId) return secretVersionId;
  if (tokenFingerprint) return `sha256:${tokenFingerprint}`;
  throw new TypeError('a secret version needs its version id or its token fingerprint');
};

const claimKeyOf = (ref: ClaimRef): string =>
  `${CLAIM_PREFIX}${ref.purpose === 'mint' ? `mint#${ref.secretVersionId}` : markerKeyOf(ref)}`;

/** The claim item's attributes that tell what its owner found, in the item's own names. */
const settledAttributes = (settled: SettledClaim) => ({
  settledOutcome: settled.outcome,
  settledBy: settled.requestId,
  upstreamStatus: settled.upstreamStatus,
  upstreamErrorCode: settled.upstreamErrorCode,
});

/** A claim item: who holds the version until when; the TTL removes it an hour after `endsAtSeconds`. */
const claimItem = (ref: ClaimRef, owner: string, leaseUntil: number, endsAtSeconds: number) => ({
  accountId: ref.accountId,
  recordId: claimKeyOf(ref),
  owner,
  leaseUntil,
  expiresAt: endsAtSeconds + SETTLED_CLAIM_TTL_SECONDS,
});

/** A claim item ended by its owner: with what it found, or released (a lease already run out). */
const endedClaimItem = (
  ref: ClaimRef,
  owner: string,
  settled: SettledClaim | undefined,
  now: number,
) => ({
  // Released without an outcome: a lease already run out, so the next may claim.
  ...claimItem(ref, owner, settled === undefined ? 0 : now, Math.floor(now / 1000)),
  // Absent fields stay absent: the document client drops undefined values.
  ...(settled === undefined ? {} : settledAttributes(settled)),
});

const markerItem = (record: OutcomeRecord) => ({
  accountId: record.accountId,
  recordId: `${MARKER_PREFIX}${markerKeyOf(record)}`,
  ...(record.secretVersionId ? { secretVersionId: record.secretVersionId } : {}),
  revokedBy: record.recordId,
  markedAt: record.recordedAt,
});

const keyOf = (item: Record<string, unknown>): string =>
  `${String(item['accountId'])}\u0000${String(item['recordId'])}`;

/** Which versions of which accounts are recorded dead, as `revokedVersions` answers. */
export type RevokedVersions = (version: { accountId: string; secretVersionId: string }) => boolean;

export { MAX_HISTORY };

export class OutcomeStore implements OutcomeLedger {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Whether this secret version's token was already recorded dead: its marker exists and so does
   * the record the marker points to (the two are written side by side, and only a marker whose
   * record landed may answer ALREADY_REVOKED).
   */
  async isVersionRevoked(version: VersionRef): Promise<boolean> {
    const { accountId } = version;
    const marker = await this.getItem(
      accountId,
      `${MARKER_PREFIX}${markerKeyOf(version)}`,
      'revokedBy',
    );
    if (marker === undefined) return false;
    if (typeof marker['revokedBy'] !== 'string') return true;
    return (await this.getItem(accountId, marker['revokedBy'], 'accountId')) !== undefined;
  }

  /** One item, read consistently: a decision taken on it must see every write before it. */
  private async getItem(
    accountId: string,
    recordId: string,
    projection?: string,
  ): Promise<Record<string, unknown> | undefined> {
    const { Item } = await this.documents.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { accountId, recordId },
        ConsistentRead: true,
        ...(projection ? { ProjectionExpression: projection } : {}),
      }),
    );
    return Item;
  }

  /**
   * Which of these secret versions were already recorded dead, as `isVersionRevoked` decides,
   * with one BatchGetItem for the markers and one for their records (the sweep asks for twenty
   * at a time). Answers whether a version (of those asked about) is marked.
   */
  async revokedVersions(
    versions: readonly { accountId: string; secretVersionId: string }[],
  ): Promise<RevokedVersions> {
    const markers = await this.batchGet(
      versions.map((version) => ({
        accountId: version.accountId,
        recordId: `${MARKER_PREFIX}${markerKeyOf(version)}`,
      })),
      'accountId, recordId, revokedBy',
    );
    const records = await this.batchGet(
      markers
        .filter((marker) => typeof marker['revokedBy'] === 'string')
        .map((marker) => ({ accountId: marker['accountId'], recordId: marker['revokedBy'] })),
      'accountId, recordId',
    );
    const recorded = new Set(records.map((item) => `${item['accountId']}#${item['recordId']}`));
    const marked = new Set<string>();
    for (const marker of markers) {
      const revokedBy = marker['revokedBy'];
      if (typeof revokedBy === 'string' && !recorded.has(`${marker['accountId']}#${revokedBy}`)) {
        continue;
      }
      marked.add(`${String(marker['accountId'])}#${String(marker['recordId'])}`);
    }
    return (version) => marked.has(`${version.accountId}#${MARKER_PREFIX}${markerKeyOf(version)}`);
  }

  /** BatchGetItem over any number of keys, 100 a call, unprocessed keys asked again. */
  private async batchGet(
    allKeys: readonly Record<string, unknown>[],
    projection: string,
  ): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    for (const keys of inBatches(allKeys, 100)) {
      const left = await resendRefused(
        keys,
        async (pending) => {
          const answer: BatchGetCommandOutput = await this.documents.send(
            new BatchGetCommand({
              RequestItems: {
                [this.tableName]: {
                  Keys: pending,
                  ConsistentRead: true,
                  ProjectionExpression: projection,
                },
              },
            }),
          );
          items.push(...(answer.Responses?.[this.tableName] ?? []));
          return answer.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
        },
        // A failed call throws (the SDK already retried it); unprocessed keys wait 50 ms, 100 ms, ...
        { attempts: 6, backoffMs: (attempt) => 2 ** (attempt - 1) * 25 },
      );
      if (left.length > 0) {
        throw new OutcomeTableError('BatchGetItem left keys unprocessed after 6 rounds');
      }
    }
    return items;
  }

  /**
   * Writes the record and, when Huawei answered 200 (REVOKED), the version's marker, side by side.
   * Only a 200 marks a version: a 401 is also what a token of the other site or a mangled token
   * gets, so it proves nothing and a later revocation calls Huawei again.
   * The record is what counts: its failure throws. A lost marker only costs one upstream call
   * later (which answers 401, ALREADY_INVALID), so it is logged, not thrown; and a marker whose
   * record was lost answers nothing, since a look-up also checks the record it points to.
   */
  async record(record: OutcomeRecord): Promise<void> {
    const marking = marksVersion(record)
      ? this.putMarker(record).catch((error: unknown) => {
          logger.warn('could not write the revoked-version marker', {
            accountId: record.accountId,
            error: awsErrorName(error),
          });
        })
      : undefined;
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
    } finally {
      await marking;
    }
  }

  /**
   * A retried PutItem whose earlier try was written, its answer lost on the way, fails its own
   * condition: the record is there all the same, which is all that was asked. The record id is
   * unique to this write (a random part), so an item under it can only be this write's own.
   */
  private async isStoredAfterAll(record: OutcomeRecord, error: unknown): Promise<boolean> {
    if (awsErrorName(error) !== 'ConditionalCheckFailedException') return false;
    try {
      const Item = await this.getItem(record.accountId, record.recordId);
      return (
        Item?.['recordedAt'] === record.recordedAt &&
        Item?.['requestId'] === record.requestId &&
        Item?.['outcome'] === record.outcome &&
        Item?.['actor'] === record.actor &&
        Item?.['reason'] === record.reason
      );
    } catch {
      return false;
    }
  }

  private async putMarker(record: OutcomeRecord): Promise<void> {
    await this.documents.send(
      new PutCommand({ TableName: this.tableName, Item: markerItem(record) }),
    );
  }

  /**
   * Writes many records, the markers of those REVOKED, and the settlements of claims whose records
   * an earlier call wrote, with BatchWriteItem (25 puts a call, refused puts sent again): one call
   * for about eight revocations instead of four writes each. A batch write takes no condition: a
   * record id has a random part, so a put can only ever write its own record (again), and a
   * settlement is only handed in while its owner's lease runs (no one else can hold the claim).
   * Returns the records not written; a marker or settlement not written is logged, as `record`
   * and `settleClaim` do (a lost marker costs one upstream call later, a lost settlement makes
   * those waiting wait out the lease).
   */
  async recordMany(
    records: readonly OutcomeRecord[],
    settlements: readonly ClaimSettlement[] = [],
  ): Promise<OutcomeRecord[]> {
    type Put = { item: Record<string, unknown>; record?: OutcomeRecord; kind: string };
    const now = Date.now();
    const puts: Put[] = settlements.map((s) => ({
      item: endedClaimItem(s.version, s.owner, s.settled, now),
      kind: 'claim settlement',
    }));
    for (const record of records) {
      puts.push({ item: { ...record }, record, kind: 'record' });
      if (marksVersion(record)) {
        puts.push({ item: markerItem(record), kind: 'revoked-version marker' });
      }
    }
    // One request may not put one key twice: a later settlement of a claim supersedes an earlier.
    const unique = [...new Map(puts.map((put) => [keyOf(put.item), put])).values()];
    const lost: Put[] = [];
    await Promise.all(
      inBatches(unique, WRITE_BATCH).map(async (batch) => {
        const byItem = new Map(batch.map((put) => [put.item, put]));
        const left = await resendRefused(
          batch.map((put) => put.item),
          async (pending) => {
            const answer: BatchWriteCommandOutput = await this.documents.send(
              new BatchWriteCommand({
                RequestItems: {
                  [this.tableName]: pending.map((Item) => ({ PutRequest: { Item } })),
                },
              }),
            );
            const refused = answer.UnprocessedItems?.[this.tableName] ?? [];
            // The SDK hands back copies: match them to the puts by key.
            const refusedKeys = new Set(
              refused.map(({ PutRequest }) => keyOf(PutRequest?.Item ?? {})),
            );
            return pending.filter((item) => refusedKeys.has(keyOf(item)));
          },
          // Refused puts wait 50 ms, 100 ms, ...; a failed call (the SDK already retried it)
          // loses the whole batch.
          { attempts: 6, backoffMs: (attempt) => 2 ** (attempt - 1) * 25 },
        ).catch((error: unknown) => {
          logger.warn('BatchWriteItem failed', { error: awsErrorName(error) });
          return batch.map((put) => put.item);
        });
        for (const item of left) lost.push(byItem.get(item) as Put);
      }),
    );
    for (const put of lost) {
      if (put.record) continue;
      logger.warn(`could not write the ${put.kind}`, { accountId: put.item['accountId'] });
    }
    return lost.flatMap((put) => (put.record ? [put.record] : []));
  }

  /**
   * Claims the right to call Huawei for this secret version: succeeds when no claim exists, the
   * last one was settled, or its owner's lease ran out (a dead owner never blocks the version).
   * Returns false when another revocation holds it, `fresh` when the version was never claimed
   * before (so no claim holder can have revoked it since the marker was looked up), `replaced`
   * when an earlier claim was settled or run out.
   */
  async claim(
    version: ClaimRef,
    owner: string,
    leaseUntil: number,
  ): Promise<'fresh' | 'replaced' | false> {
    try {
      const { Attributes } = await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: claimItem(version, owner, leaseUntil, Math.ceil(leaseUntil / 1000)),
          ConditionExpression:
            'attribute_not_exists(recordId) OR attribute_exists(settledOutcome) OR leaseUntil < :now',
          ExpressionAttributeValues: { ':now': Date.now() },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return Attributes === undefined ? 'fresh' : 'replaced';
    } catch (error) {
      if (awsErrorName(error) === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  async readClaim(version: ClaimRef): Promise<ClaimState> {
    const Item = await this.getItem(version.accountId, claimKeyOf(version));
    if (Item === undefined) return { state: 'free' };
    const owner = String(Item['owner']);
    if (typeof Item['settledOutcome'] === 'string') {
      const settled: SettledClaim = {
        outcome: Item['settledOutcome'] as Outcome,
        requestId: String(Item['settledBy']),
      };
      if (typeof Item['upstreamStatus'] === 'number') {
        settled.upstreamStatus = Item['upstreamStatus'];
      }
      if (typeof Item['upstreamErrorCode'] === 'string') {
        settled.upstreamErrorCode = Item['upstreamErrorCode'];
      }
      return { state: 'settled', owner, settled };
    }
    return { state: 'held', owner, leaseUntil: Number(Item['leaseUntil']) };
  }

  /**
   * Ends a claim: with what its owner found (recorded), for the waiting revocations to adopt, or
   * without (nothing recorded), so that they claim the version again. Only the owner may end it.
   */
  async settleClaim(
    version: ClaimRef,
    owner: string,
    settled: SettledClaim | undefined,
  ): Promise<void> {
    // PutItem, conditional on still owning the claim: the function may only put and read here.
    const now = Date.now();
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: endedClaimItem(version, owner, settled, now),
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': owner },
        }),
      );
    } catch (error) {
      // A claim taken over (lease run out) is no longer ours to end; any other failure only
      // makes the waiting revocations wait for the lease, then call Huawei themselves.
      logger.warn('could not end the claim on a secret version', {
        accountId: version.accountId,
        error: awsErrorName(error),
      });
    }
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
