// Many revocations through the one path, with in-memory fakes of its ports: the deadline, the
// accounts whose outcome could not be recorded, the concurrency bound and the all-401 warning.
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ALL_UNAUTHORIZED_METRIC, type Job, revokeMany } from '../../../lambda/core/revokeMany.js';
import { captureLogs } from '../../support/capturedLogs.js';
import { type FakeServices, fakeServices } from '../../support/fakePorts.js';

const accounts = (n: number): string[] => Array.from({ length: n }, (_, i) => `acct-${i}`);

const withTokens = (services: FakeServices, accountIds: readonly string[]): Job[] =>
  accountIds.map((accountId) => {
    services.secrets.withToken(accountId, `token-of-${accountId}-0123456789`);
    return { accountId, trigger: 'schedule' };
  });

/** The names of the metrics counted while `work` ran. */
const metricsCountedDuring = async (work: () => Promise<unknown>): Promise<string[]> => {
  const addMetric = vi.spyOn(Metrics.prototype, 'addMetric');
  await work();
  return addMetric.mock.calls.map(([name]) => name);
};

captureLogs();
afterEach(() => {
  vi.restoreAllMocks();
});

describe('revokeMany', () => {
  it('revokes every account with never more upstream calls at once than its concurrency', async () => {
    // Prepare
    const services = fakeServices({ latencyMs: 5 });
    const jobs = withTokens(services, accounts(40));
    // Act
    const result = await revokeMany(jobs, services, { concurrency: 4, deadline: undefined });
    // Assess
    expect(result.outcomes).toHaveLength(40);
    expect(new Set(result.outcomes)).toEqual(new Set(['REVOKED']));
    expect(services.outcomes.records).toHaveLength(40);
    expect(services.meeting.called).toHaveLength(40);
    expect(services.meeting.maxInFlight).toBeLessThanOrEqual(4);
    expect(services.meeting.maxInFlight).toBeGreaterThan(1);
    expect(result).toMatchObject({ failed: [], unrecorded: [], notStarted: [], called: 40 });
  });

  it('starts nothing once too late, and records those accounts FAILED deadline', async () => {
    // Prepare
    const services = fakeServices({ config: { timeoutMs: 1000 } });
    const jobs = withTokens(services, accounts(3));
    // Act
    const result = await revokeMany(jobs, services, {
      concurrency: 2,
      deadline: Date.now() + 500,
    });
    // Assess
    expect([...result.notStarted].sort()).toEqual(accounts(3));
    expect(services.meeting.called).toEqual([]);
    expect(services.outcomes.records.map((item) => [item.outcome, item.failure])).toEqual([
      ['FAILED', 'deadline'],
      ['FAILED', 'deadline'],
      ['FAILED', 'deadline'],
    ]);
    // Not started is not FAILED upstream: those accounts are not counted twice.
    expect(result.failed).toEqual([]);
  });

  it('reports as not started the revocations whose turn came after the deadline drew near', async () => {
    // Prepare: the first call lasts until no other attempt could end in time.
    let deadline = 0;
    const services = fakeServices({
      config: { timeoutMs: 500 },
      during: async () => {
        while (Date.now() + 500 <= deadline) await new Promise((go) => setTimeout(go, 10));
      },
    });
    const jobs = withTokens(services, accounts(5));
    deadline = Date.now() + 1000;
    // Act
    const result = await revokeMany(jobs, services, { concurrency: 1, deadline });
    // Assess
    expect(services.meeting.called).toHaveLength(1);
    expect(result.notStarted).toHaveLength(4);
    expect(result.outcomes).toHaveLength(5);
    for (const accountId of result.notStarted) {
      expect(services.outcomes.recordOf(accountId)).toMatchObject({
        outcome: 'FAILED',
        failure: 'deadline',
        attempts: 0,
      });
    }
  });

  it('names an account both FAILED and not started when one version failed and the next had no time', async () => {
    // Prepare: offboarding's two versions of one account (the current token and a pending one);
    // the first call answers 503 only when no other attempt could end in time.
    let deadline = 0;
    const services = fakeServices({
      config: { timeoutMs: 500 },
      during: async () => {
        while (Date.now() + 500 <= deadline) await new Promise((go) => setTimeout(go, 10));
      },
    });
    services.secrets
      .withVersion('alice', 'v-current', 'token-current-0123456789')
      .withVersion('alice', 'v-pending', 'token-pending-0123456789');
    services.meeting.statusOf.set('token-current-0123456789', 503);
    const jobs: Job[] = [
      { accountId: 'alice', trigger: 'offboarding', secretVersionId: 'v-current' },
      { accountId: 'alice', trigger: 'offboarding', secretVersionId: 'v-pending' },
    ];
    deadline = Date.now() + 1000;
    // Act
    const result = await revokeMany(jobs, services, { concurrency: 1, deadline });
    // Assess: the failure upstream is not hidden behind the version that had no time
    expect(services.meeting.called).toEqual(['token-current-0123456789']);
    expect(result.notStarted).toEqual(['alice']);
    expect(result.failed).toEqual(['alice']);
  });

  it('reports the accounts whose outcome could not be recorded, and records the others', async () => {
    // Prepare
    const services = fakeServices();
    const jobs = withTokens(services, accounts(6));
    services.outcomes.failRecordOf.add('acct-1');
    services.outcomes.failLookUpOf.add('acct-4');
    // Act
    const result = await revokeMany(jobs, services, { concurrency: 2, deadline: undefined });
    // Assess
    expect([...result.unrecorded].sort()).toEqual(['acct-1', 'acct-4']);
    expect(services.outcomes.records.map((item) => item.accountId).sort()).toEqual([
      'acct-0',
      'acct-2',
      'acct-3',
      'acct-5',
    ]);
    // The marker look-up failed before any call: that token was never sent.
    expect(services.meeting.called).not.toContain('token-of-acct-4-0123456789');
  });

  it('writes records in batches, settles a claim only once its record is written, and reports the records a batch refused', async () => {
    // Prepare: leases long enough for settlements to ride in a later batch.
    const services = fakeServices({ config: { maxAttempts: 2, timeoutMs: 10_000 } });
    const jobs = withTokens(services, accounts(4));
    services.meeting.statusOf.set('token-of-acct-2-0123456789', 401);
    services.outcomes.failRecordOf.add('acct-1');
    // Act
    const result = await revokeMany(jobs, services, { concurrency: 2, deadline: undefined });
    // Assess
    expect(result.unrecorded).toEqual(['acct-1']);
    expect(services.outcomes.records.map((item) => item.accountId).sort()).toEqual([
      'acct-0',
      'acct-2',
      'acct-3',
    ]);
    const { batches } = services.outcomes;
    const batchOf = (accountId: string, part: 'records' | 'settlements') =>
      batches.findIndex((batch) => batch[part].includes(accountId));
    for (const accountId of ['acct-0', 'acct-2', 'acct-3']) {
      expect(batchOf(accountId, 'records')).toBeGreaterThanOrEqual(0);
      expect(batchOf(accountId, 'settlements')).toBeGreaterThan(batchOf(accountId, 'records'));
    }
    // Refused: its claim released without an outcome, so that no one adopts one never recorded.
    expect(batchOf('acct-1', 'settlements')).toBe(-1);
    expect(
      services.outcomes.settlements.filter(({ key }) => key.startsWith('acct-1#')),
    ).toMatchObject([{ settled: undefined }]);
    expect(
      await services.outcomes.readClaim({ accountId: 'acct-1', secretVersionId: 'v-acct-1' }),
    ).toMatchObject({ state: 'held', leaseUntil: 0 });
    // Only a 200 marks a version, and only once its record is written.
    expect([...services.outcomes.markers].sort()).toEqual(['acct-0#v-acct-0', 'acct-3#v-acct-3']);
  });

  it('lists the accounts whose revocation FAILED', async () => {
    // Prepare
    const services = fakeServices();
    const jobs = withTokens(services, accounts(3));
    services.meeting.statusOf.set('token-of-acct-2-0123456789', 503);
    // Act
    const result = await revokeMany(jobs, services, { concurrency: 2, deadline: undefined });
    // Assess
    expect(result.failed).toEqual(['acct-2']);
  });

  it('counts the 401 answers, and warns once when every token called answered 401', async () => {
    // Prepare
    const services = fakeServices();
    const jobs = withTokens(services, accounts(3));
    for (const accountId of accounts(3)) {
      services.meeting.statusOf.set(`token-of-${accountId}-0123456789`, 401);
    }
    let result: Awaited<ReturnType<typeof revokeMany>> | undefined;
    // Act
    const counted = await metricsCountedDuring(async () => {
      result = await revokeMany(jobs, services, { concurrency: 2, deadline: undefined });
    });
    // Assess
    expect(result).toMatchObject({ called: 3, unauthorized: 3 });
    expect(counted.filter((name) => name === ALL_UNAUTHORIZED_METRIC)).toHaveLength(1);
  });

  it('does not warn when some token called was answered otherwise', async () => {
    // Prepare
    const services = fakeServices();
    const jobs = withTokens(services, accounts(3));
    services.meeting.statusOf.set('token-of-acct-0-0123456789', 401);
    let result: Awaited<ReturnType<typeof revokeMany>> | undefined;
    // Act
    const counted = await metricsCountedDuring(async () => {
      result = await revokeMany(jobs, services, { concurrency: 2, deadline: undefined });
    });
    // Assess
    expect(result).toMatchObject({ called: 3, unauthorized: 1 });
    expect(counted).not.toContain(ALL_UNAUTHORIZED_METRIC);
  });

  it('revokes what a batch prepared without reading the secrets again', async () => {
    // Prepare
    const services = fakeServices();
    const jobs: Job[] = accounts(3).map((accountId) => ({
      accountId,
      trigger: 'schedule',
      prepared: {
        secret: { kind: 'found', token: `token-of-${accountId}-0123456789`, versionId: 'v1' },
        revokedBefore: accountId === 'acct-0',
      },
    }));
    // Act
    const result = await revokeMany(jobs, services, { concurrency: 2, deadline: undefined });
    // Assess
    expect(services.secrets.loads).toBe(0);
    expect([...result.outcomes].sort()).toEqual(['ALREADY_REVOKED', 'REVOKED', 'REVOKED']);
    expect(services.meeting.called).not.toContain('token-of-acct-0-0123456789');
  });
});
