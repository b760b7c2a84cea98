// The one revocation path, through in-memory fakes of its ports: what it decides for each
// reading of the secret, when it calls Huawei, and what it records and settles.
import { afterEach, describe, expect, it } from 'vitest';
import { OutcomeRecordError } from '../../../lambda/commons/errors.js';
import {
  findOutcome,
  type RevocationRequest,
  record,
  revoke,
  tokenFingerprint,
} from '../../../lambda/core/revoke.js';
import { captureLogs } from '../../support/capturedLogs.js';
import { fakeServices } from '../../support/fakePorts.js';

const TOKEN = 'cnr1-token-of-alice-0123456789';
const request = (overrides: Partial<RevocationRequest> = {}): RevocationRequest => ({
  accountId: 'alice',
  trigger: 'api',
  requestId: 'req-1',
  ...overrides,
});
const aliceVersion = { accountId: 'alice', secretVersionId: 'v-alice' };

const logs = captureLogs();
afterEach(() => {
  // Whatever happened, the token never reached a log line.
  expect(logs.lines.join('')).not.toContain(TOKEN);
});

describe('revoke', () => {
  it('revokes a token found: claims its version, calls Huawei once, records, then settles the claim', async () => {
    // Prepare
    const services = fakeServices();
    services.secrets.withToken('alice', TOKEN);
    // Act
    const item = await revoke(request({ reason: 'left', actor: 'ops' }), services);
    // Assess
    expect(item).toMatchObject({
      accountId: 'alice',
      outcome: 'REVOKED',
      attempts: 1,
      upstreamStatus: 200,
      secretVersionId: 'v-alice',
      tokenFingerprint: tokenFingerprint(TOKEN),
      reason: 'left',
      actor: 'ops',
      trigger: 'api',
      requestId: 'req-1',
    });
    expect(services.meeting.called).toEqual([TOKEN]);
    expect(services.outcomes.records).toEqual([item]);
    expect(services.outcomes.settlements).toEqual([
      {
        key: 'alice#v-alice',
        owner: expect.stringMatching(/^req-1#/),
        settled: { outcome: 'REVOKED', requestId: 'req-1', upstreamStatus: 200 },
      },
    ]);
    expect(services.events.added).toEqual([item]);
    expect(JSON.stringify(item)).not.toContain(TOKEN);
    expect(logs.lines.join('')).toContain('revocation recorded');
  });

  it('answers NOT_FOUND for a missing secret, without calling Huawei', async () => {
    // Prepare
    const services = fakeServices();
    // Act
    const item = await revoke(request({ secretVersionId: 'v-gone' }), services);
    // Assess
    expect(item).toMatchObject({ outcome: 'NOT_FOUND', attempts: 0, secretVersionId: 'v-gone' });
    expect(services.meeting.called).toEqual([]);
    expect(services.outcomes.records).toHaveLength(1);
  });

  it('fails a malformed secret as secret-malformed: nothing sent, no marker, no claim', async () => {
    // Prepare
    const services = fakeServices();
    services.secrets.readings.set('alice', { kind: 'malformed', versionId: 'v-alice' });
    // Act
    const item = await revoke(request(), services);
    // Assess
    expect(item).toMatchObject({
      outcome: 'FAILED',
      attempts: 0,
      failure: 'secret-malformed',
      secretVersionId: 'v-alice',
    });
    expect(services.meeting.called).toEqual([]);
    expect(services.outcomes.markers.size).toBe(0);
    expect(services.outcomes.claims.size).toBe(0);
  });

  it('fails an unreadable secret naming the Secrets Manager error, never NOT_FOUND', async () => {
    // Prepare
    const services = fakeServices();
    services.secrets.readings.set('alice', {
      kind: 'unreadable',
      errorName: 'AccessDeniedException',
    });
    // Act
    const item = await revoke(request(), services);
    // Assess
    expect(item).toMatchObject({
      outcome: 'FAILED',
      attempts: 0,
      failure: 'SecretsManager:AccessDeniedException',
    });
    expect(services.meeting.called).toEqual([]);
  });

  it('answers ALREADY_REVOKED for a version marked revoked, without calling Huawei', async () => {
    // Prepare
    const services = fakeServices();
    services.secrets.withToken('alice', TOKEN);
    services.outcomes.markRevoked(aliceVersion);
    // Act
    const item = await revoke(request(), services);
    // Assess: the claim taken beside the look-up ends with the outcome, for any who waited on it
    expect(item).toMatchObject({ outcome: 'ALREADY_REVOKED', attempts: 0 });
    expect(services.meeting.called).toEqual([]);
    expect(services.outcomes.records).toEqual([item]);
    expect(services.outcomes.settlements).toEqual([
      {
        key: 'alice#v-alice',
        owner: expect.stringMatching(/^req-1#/),
        settled: { outcome: 'ALREADY_REVOKED', requestId: 'req-1' },
      },
    ]);
  });

  it('claims the version while its marker is being looked up: one round trip to the table, not two', async () => {
    // Prepare: a look-up that answers only when told
    const services = fakeServices();
    services.secrets.withToken('alice', TOKEN);
    let answer = () => {};
    const answered = new Promise<void>((resolve) => {
      answer = resolve;
    });
    const { outcomes } = services;
    const isVersionRevoked = outcomes.isVersionRevoked.bind(outcomes);
    outcomes.isVersionRevoked = async (version) => {
      await answered;
      return isVersionRevoked(version);
    };
    // Act
    const revoking = revoke(request(), services);
    await new Promise((resolve) => setImmediate(resolve));
    const claimedBeforeTheAnswer = outcomes.claims.has('alice#v-alice');
    answer();
    const item = await revoking;
    // Assess
    expect(claimedBeforeTheAnswer).toBe(true);
    expect(item.outcome).toBe('REVOKED');
    expect(services.meeting.called).toEqual([TOKEN]);
  });

  it('keys a version without an id on its token fingerprint', async () => {
    // Prepare
    const services = fakeServices();
    services.secrets.withToken('alice', TOKEN, undefined);
    await revoke(request(), services);
    // Act
    const again = await revoke(request({ requestId: 'req-2' }), services);
    // Assess
    expect(again.outcome).toBe('ALREADY_REVOKED');
    expect(services.meeting.called).toEqual([TOKEN]);
  });

  it('takes what a batch already read and looked up, asking neither again', async () => {
    // Prepare
    const services = fakeServices();
    const secret = { kind: 'found' as const, token: TOKEN, versionId: 'v-alice' };
    // Act
    const found = await findOutcome(request(), services, { secret, revokedBefore: true });
    const item = await record(found, services);
    // Assess
    expect(item.outcome).toBe('ALREADY_REVOKED');
    expect(services.secrets.loads).toBe(0);
    expect(services.outcomes.lookUps).toBe(0);
    expect(services.meeting.called).toEqual([]);
  });

  it('waits for a concurrent holder of the claim and adopts its outcome', async () => {
    // Prepare
    const services = fakeServices();
    services.secrets.withToken('alice', TOKEN);
    services.outcomes.holdAs(aliceVersion, 'other');
    // Act
    const revoking = revoke(request(), services);
    setTimeout(() => {
      services.outcomes.settleAs(aliceVersion, 'other', {
        outcome: 'REVOKED',
        requestId: 'req-other',
      });
    }, 30);
    const item = await revoking;
    // Assess
    expect(item).toMatchObject({
      outcome: 'ALREADY_REVOKED',
      attempts: 0,
      followedRequestId: 'req-other',
    });
    expect(services.meeting.called).toEqual([]);
  });

  it('adopts a concurrent holder failure as its own FAILED, naming whom it followed', async () => {
    // Prepare
    const services = fakeServices();
    services.secrets.withToken('alice', TOKEN);
    services.outcomes.holdAs(aliceVersion, 'other');
    setTimeout(() => {
      services.outcomes.settleAs(aliceVersion, 'other', {
        outcome: 'FAILED',
        requestId: 'req-other',
        upstreamStatus: 503,
      });
    }, 10);
    // Act
    const item = await revoke(request(), services);
    // Assess
    expect(item).toMatchObject({
      outcome: 'FAILED',
      failure: 'concurrent-revocation-failed',
      upstreamStatus: 503,
      followedRequestId: 'req-other',
    });
    expect(services.meeting.called).toEqual([]);
  });

  it('knows its own claim when the answer to taking it was lost, and calls Huawei at once', async () => {
    // Prepare
    const services = fakeServices({ config: { timeoutMs: 60_000 } });
    services.secrets.withToken('alice', TOKEN);
    services.outcomes.lostClaimAnswers = 1;
    // Act
    const item = await revoke(request(), services);
    // Assess: revoked by this revocation, not FAILED after waiting out its own lease.
    expect(item).toMatchObject({ outcome: 'REVOKED', attempts: 1 });
    expect(item.followedRequestId).toBeUndefined();
    expect(services.meeting.called).toEqual([TOKEN]);
  });

  it('throws OutcomeRecordError when the record cannot be written, and releases the claim', async () => {
    // Prepare
    const services = fakeServices();
    services.secrets.withToken('alice', TOKEN);
    services.outcomes.failRecordOf.add('alice');
    // Act
    const revoking = revoke(request(), services);
    // Assess
    await expect(revoking).rejects.toBeInstanceOf(OutcomeRecordError);
    expect(services.outcomes.settlements).toEqual([
      { key: 'alice#v-alice', owner: expect.any(String), settled: undefined },
    ]);
    expect(services.events.added).toEqual([]);
    // Released, not settled: the next revocation claims the version and calls Huawei itself.
    services.outcomes.failRecordOf.clear();
    const next = await revoke(request({ requestId: 'req-2' }), services);
    expect(next.outcome).toBe('REVOKED');
    expect(services.meeting.called).toEqual([TOKEN, TOKEN]);
  });

  it('throws OutcomeRecordError before calling Huawei when the marker cannot be looked up', async () => {
    // Prepare
    const services = fakeServices();
    services.secrets.withToken('alice', TOKEN);
    services.outcomes.failLookUpOf.add('alice');
    // Act
    const revoking = revoke(request(), services);
    // Assess: the claim taken beside the look-up is given back, so the next need not wait it out
    await expect(revoking).rejects.toBeInstanceOf(OutcomeRecordError);
    expect(services.meeting.called).toEqual([]);
    expect(services.outcomes.settlements).toEqual([
      { key: 'alice#v-alice', owner: expect.stringMatching(/^req-1#/), settled: undefined },
    ]);
    services.outcomes.failLookUpOf.delete('alice');
    const next = await revoke(request({ requestId: 'req-2' }), services);
    expect(next.outcome).toBe('REVOKED');
  });

  it('records a 401 as ALREADY_INVALID with its status, and marks nothing', async () => {
    // Prepare
    const services = fakeServices();
    services.secrets.withToken('alice', TOKEN);
    services.meeting.statusOf.set(TOKEN, 401);
    // Act
    const item = await revoke(request(), services);
    // Assess
    expect(item).toMatchObject({ outcome: 'ALREADY_INVALID', attempts: 1, upstreamStatus: 401 });
    expect(services.outcomes.markers.size).toBe(0);
  });

  it('verifies a revocation when asked to, and records what Huawei said', async () => {
    // Prepare
    const services = fakeServices({ config: { verifyRevocation: true } });
    services.secrets.withToken('alice', TOKEN);
    // Act
    const item = await revoke(request(), services);
    // Assess
    expect(item).toMatchObject({ outcome: 'REVOKED', verified: true });
    expect(services.meeting.validated).toEqual([TOKEN]);
  });
});
