// The outcome store through the real DynamoDB document client against dynalite: records, the
// markers that answer ALREADY_REVOKED, and the claims that keep one upstream call per version.
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { OutcomeStore } from '../../../lambda/adapters/OutcomeStore.js';
import { OutcomeRecordError } from '../../../lambda/commons/errors.js';
import type { OutcomeRecord } from '../../../lambda/core/outcome.js';
import { captureLogs } from '../../support/capturedLogs.js';
import { useTablePerTest } from '../../support/standInsPerFile.js';

const local = useTablePerTest('createOutcomeTable');
captureLogs();
let store: OutcomeStore;
beforeEach(() => {
  store = new OutcomeStore(local.dynamo.documentClient, local.tableName);
});

let sequence = 0;
const recordOf = (overrides: Partial<OutcomeRecord> = {}): OutcomeRecord => {
  sequence += 1;
  const recordedAt = new Date(Date.UTC(2026, 11, 7, 6, 0, sequence)).toISOString();
  return {
    accountId: 'alice',
    recordId: `${recordedAt}#req-${sequence}#r${sequence}`,
    recordedAt,
    outcome: 'REVOKED',
    trigger: 'api',
    requestId: `req-${sequence}`,
    attempts: 1,
    durationMs: 12,
    secretVersionId: 'v1',
    tokenFingerprint: 'aaaabbbbccccdddd',
    upstreamStatus: 200,
    ...overrides,
  };
};

const allItems = async (): Promise<Record<string, unknown>[]> =>
  (await local.dynamo.documentClient.send(new ScanCommand({ TableName: local.tableName }))).Items ??
  [];

const alice = { accountId: 'alice', secretVersionId: 'v1' };

describe('OutcomeStore records and markers', () => {
  it('marks a version revoked after a 200, and only then', async () => {
    // Prepare
    const revoked = recordOf();
    const invalid = recordOf({
      accountId: 'bob',
      outcome: 'ALREADY_INVALID',
      upstreamStatus: 401,
    });
    // Act
    await store.record(revoked);
    await store.record(invalid);
    // Assess
    expect(await store.isVersionRevoked(alice)).toBe(true);
    expect(await store.isVersionRevoked({ accountId: 'bob', secretVersionId: 'v1' })).toBe(false);
    expect(await store.isVersionRevoked({ accountId: 'alice', secretVersionId: 'v2' })).toBe(false);
    expect(await store.history('alice')).toEqual([revoked]);
  });

  it('keys the marker of a version without an id on the token fingerprint', async () => {
    // Prepare
    const revoked = recordOf({ secretVersionId: undefined });
    // Act
    await store.record(revoked);
    // Assess
    expect(
      await store.isVersionRevoked({ accountId: 'alice', tokenFingerprint: 'aaaabbbbccccdddd' }),
    ).toBe(true);
    expect(
      await store.isVersionRevoked({ accountId: 'alice', tokenFingerprint: 'ffffeeeeddddcccc' }),
    ).toBe(false);
  });

  it('never overwrites a record, and takes a repeated write of the same record as done', async () => {
    // Prepare
    const first = recordOf({ outcome: 'FAILED', attempts: 0, upstreamStatus: undefined });
    await store.record(first);
    // Act
    const repeated = store.record(first);
    const other = store.record({ ...first, outcome: 'REVOKED', requestId: 'req-other' });
    // Assess
    await expect(repeated).resolves.toBeUndefined();
    await expect(other).rejects.toBeInstanceOf(OutcomeRecordError);
    expect(await store.history('alice')).toEqual([first]);
  });

  it('keeps markers for good: they carry no expiresAt for the TTL to act on', async () => {
    // Prepare
    await store.record(recordOf());
    await store.claim(alice, 'owner-1', Date.now() + 60_000);
    // Act
    const items = await allItems();
    // Assess
    const markers = items.filter((item) => 'revokedBy' in item);
    const claims = items.filter((item) => 'owner' in item);
    expect(markers).toHaveLength(1);
    expect(markers[0]).not.toHaveProperty('expiresAt');
    expect(claims[0]).toHaveProperty('expiresAt');
  });

  it('answers in one batch which versions are revoked', async () => {
    // Prepare
    await store.record(recordOf());
    await store.record(recordOf({ accountId: 'bob', secretVersionId: 'v2' }));
    await store.record(
      recordOf({ accountId: 'carol', secretVersionId: 'v3', outcome: 'ALREADY_INVALID' }),
    );
    // Act
    const revoked = await store.revokedVersions([
      alice,
      { accountId: 'bob', secretVersionId: 'v2' },
      { accountId: 'carol', secretVersionId: 'v3' },
      { accountId: 'dave', secretVersionId: 'v4' },
    ]);
    // Assess
    expect(revoked(alice)).toBe(true);
    expect(revoked({ accountId: 'bob', secretVersionId: 'v2' })).toBe(true);
    expect(revoked({ accountId: 'bob', secretVersionId: 'v1' })).toBe(false);
    expect(revoked({ accountId: 'carol', secretVersionId: 'v3' })).toBe(false);
    expect(revoked({ accountId: 'dave', secretVersionId: 'v4' })).toBe(false);
  });

  it('writes many records in batches, marks only those revoked, and settles claims by version', async () => {
    // Prepare: more puts than one batch takes, a version known only by its fingerprint, and a
    // claim its owner settles once its record is written.
    const revoked = Array.from({ length: 30 }, (_, i) =>
      recordOf({ accountId: `acct-${i}`, secretVersionId: undefined }),
    );
    const invalid = recordOf({ accountId: 'bob', outcome: 'ALREADY_INVALID', upstreamStatus: 401 });
    const bob = { accountId: 'bob', secretVersionId: 'v1' };
    await store.claim(bob, 'owner-1', Date.now() + 60_000);
    const settled = { outcome: 'ALREADY_INVALID' as const, requestId: invalid.requestId };
    // Act
    const unwritten = await store.recordMany([...revoked, invalid]);
    const unsettled = await store.recordMany([], [{ version: bob, owner: 'owner-1', settled }]);
    // Assess
    expect([unwritten, unsettled]).toEqual([[], []]);
    expect(await store.history('acct-29')).toEqual([revoked[29]]);
    expect(await store.history('bob')).toEqual([invalid]);
    expect(
      await store.isVersionRevoked({ accountId: 'acct-7', tokenFingerprint: 'aaaabbbbccccdddd' }),
    ).toBe(true);
    expect(await store.isVersionRevoked(bob)).toBe(false);
    expect(await store.readClaim(bob)).toEqual({ state: 'settled', owner: 'owner-1', settled });
  });

  it('lists the history newest first, records only', async () => {
    // Prepare
    const older = recordOf();
    const newer = recordOf({ outcome: 'ALREADY_REVOKED', attempts: 0 });
    await store.record(older);
    await store.record(newer);
    await store.claim(alice, 'owner-1', Date.now() + 60_000);
    // Act
    const history = await store.history('alice');
    // Assess
    expect(history).toEqual([newer, older]);
  });
});

describe('OutcomeStore claims', () => {
  it('lets one owner hold a version; the others see who holds it and until when', async () => {
    // Prepare
    const leaseUntil = Date.now() + 60_000;
    // Act
    const first = await store.claim(alice, 'owner-1', leaseUntil);
    const second = await store.claim(alice, 'owner-2', leaseUntil);
    // Assess
    expect(first).toBe('fresh');
    expect(second).toBe(false);
    expect(await store.readClaim(alice)).toEqual({
      state: 'held',
      owner: 'owner-1',
      leaseUntil,
    });
    expect(await store.readClaim({ accountId: 'alice', secretVersionId: 'v2' })).toEqual({
      state: 'free',
    });
  });

  it('tells the waiting what the owner found, and lets the next claim replace it', async () => {
    // Prepare
    await store.claim(alice, 'owner-1', Date.now() + 60_000);
    // Act
    await store.settleClaim(alice, 'owner-1', {
      outcome: 'FAILED',
      requestId: 'req-1',
      upstreamStatus: 503,
    });
    // Assess
    expect(await store.readClaim(alice)).toEqual({
      state: 'settled',
      owner: 'owner-1',
      settled: { outcome: 'FAILED', requestId: 'req-1', upstreamStatus: 503 },
    });
    expect(await store.claim(alice, 'owner-2', Date.now() + 60_000)).toBe('replaced');
  });

  it('settles without absent fields', async () => {
    // Prepare
    await store.claim(alice, 'owner-1', Date.now() + 60_000);
    // Act
    await store.settleClaim(alice, 'owner-1', { outcome: 'REVOKED', requestId: 'req-1' });
    // Assess
    expect(await store.readClaim(alice)).toEqual({
      state: 'settled',
      owner: 'owner-1',
      settled: { outcome: 'REVOKED', requestId: 'req-1' },
    });
  });

  it('lets only the owner end its claim', async () => {
    // Prepare
    await store.claim(alice, 'owner-1', Date.now() + 60_000);
    // Act
    await store.settleClaim(alice, 'owner-2', { outcome: 'REVOKED', requestId: 'req-2' });
    // Assess
    expect(await store.readClaim(alice)).toMatchObject({ state: 'held', owner: 'owner-1' });
  });

  it('frees a claim released without an outcome for the next to take', async () => {
    // Prepare
    await store.claim(alice, 'owner-1', Date.now() + 60_000);
    // Act
    await store.settleClaim(alice, 'owner-1', undefined);
    // Assess
    expect(await store.claim(alice, 'owner-2', Date.now() + 60_000)).toBe('replaced');
  });

  it('lets another take over a claim whose lease ran out', async () => {
    // Prepare
    await store.claim(alice, 'owner-1', Date.now() - 1);
    // Act
    const taken = await store.claim(alice, 'owner-2', Date.now() + 60_000);
    // Assess
    expect(taken).toBe('replaced');
    expect(await store.readClaim(alice)).toMatchObject({ state: 'held', owner: 'owner-2' });
  });

  it('keeps the mint of a version apart from the revocation of the same version', async () => {
    // Prepare
    await store.claim(alice, 'owner-1', Date.now() + 60_000);
    // Act
    const mint = await store.claim({ ...alice, purpose: 'mint' }, 'minter', Date.now() + 60_000);
    // Assess
    expect(mint).toBe('fresh');
    expect(await store.readClaim(alice)).toMatchObject({ owner: 'owner-1' });
  });
});
