// Offboarding (docs/INTERFACE.md): "Account Offboarded" events through the built bundle, against local stand-ins.

import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { httpEvent, offboardingEvent } from '../support/events.js';
import {
  type Harness,
  IDEMPOTENCY_TABLE,
  newToken,
  PREFIX,
  startHarness,
} from '../support/harness.js';
import { fakeContext } from '../support/lambdaContext.js';
import { allRecords, recordsOf } from '../support/records.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
beforeEach(async () => {
  await h.reset();
  delete process.env['IDEMPOTENCY_TABLE_NAME'];
  delete process.env['WORK_QUEUE_URL'];
});
afterAll(async () => {
  await h.stop();
});

describe('offboarding events', () => {
  it('revokes the account of detail.accountId and returns the summary', async () => {
    // Prepare
    const t = newToken();
    h.addAccount('leaver-1', t);
    const event = offboardingEvent({ accountId: 'leaver-1' });
    // Act
    const summary = await h.invoke(event);
    // Assess
    expect(summary).toEqual({ processed: 1, outcomes: { REVOKED: 1 } });
    expect(h.meeting.isLive(t)).toBe(false);
    expect(await recordsOf(h, 'leaver-1')).toEqual([
      expect.objectContaining({
        outcome: 'REVOKED',
        trigger: 'offboarding',
        correlationId: event.id,
      }),
    ]);
  });

  it('revokes every account of detail.accountIds, each with its own request id', async () => {
    // Prepare: a live token, a token upstream no longer knows, a refused one, no secret
    h.addAccount('a-live', newToken());
    h.secrets.put(`${PREFIX}a-dead`, JSON.stringify({ accessToken: newToken() }));
    const refused = newToken();
    h.addAccount('a-refused', refused);
    h.meeting.script(refused, { status: 403 });
    // Act
    const summary = await h.invoke(
      offboardingEvent({ accountIds: ['a-live', 'a-dead', 'a-refused', 'a-missing'] }),
    );
    // Assess
    expect(summary).toEqual({
      processed: 4,
      outcomes: { REVOKED: 1, ALREADY_INVALID: 1, REJECTED: 1, NOT_FOUND: 1 },
    });
    const records = await allRecords(h);
    expect(records).toHaveLength(4);
    expect(new Set(records.map((r) => r['requestId'])).size).toBe(4);
    expect(records.every((r) => r['trigger'] === 'offboarding')).toBe(true);
  });

  it('revokes an account listed twice only once', async () => {
    const t = newToken();
    h.addAccount('twice', t);
    const summary = await h.invoke(offboardingEvent({ accountId: 'twice', accountIds: ['twice'] }));
    expect(summary).toEqual({ processed: 1, outcomes: { REVOKED: 1 } });
    expect(h.meeting.callsFor(t)).toHaveLength(1);
  });

  it('throws after recording every account when one ended FAILED', async () => {
    // Prepare
    h.addAccount('ok-1', newToken());
    const failing = newToken();
    h.addAccount('down-1', failing);
    h.meeting.script(failing, { status: 503 });
    // Act
    const act = h.invoke(offboardingEvent({ accountIds: ['ok-1', 'down-1'] }));
    // Assess
    await expect(act).rejects.toThrow(/not revoked \(FAILED 1.*down-1/);
    expect(await recordsOf(h, 'ok-1')).toEqual([expect.objectContaining({ outcome: 'REVOKED' })]);
    expect(await recordsOf(h, 'down-1')).toEqual([
      expect.objectContaining({ outcome: 'FAILED', attempts: 3, upstreamStatus: 503 }),
    ]);
  });

  it('makes no second upstream call for the same event delivered twice (outcome table alone)', async () => {
    // Prepare
    const t = newToken();
    h.addAccount('dup-1', t);
    const event = offboardingEvent({ accountId: 'dup-1' });
    // Act
    await h.invoke(event);
    const again = await h.invoke(event);
    // Assess
    expect(again).toEqual({ processed: 1, outcomes: { ALREADY_REVOKED: 1 } });
    expect(h.meeting.callsFor(t)).toHaveLength(1);
  });

  it('returns the first summary for a duplicate delivery with the idempotency table', async () => {
    // Prepare
    process.env['IDEMPOTENCY_TABLE_NAME'] = 'idempotency';
    const t = newToken();
    h.addAccount('dup-2', t);
    const event = offboardingEvent({ accountId: 'dup-2' });
    // Act
    const first = await h.invoke(event);
    const second = await h.invoke(event);
    // Assess
    expect(second).toEqual(first);
    expect(h.meeting.callsFor(t)).toHaveLength(1);
    expect(await recordsOf(h, 'dup-2')).toHaveLength(1);
  });

  it('keeps an offboarding event 24 h even after an API call with a 1 h Idempotency-Key', async () => {
    // Prepare: the API's idempotency use comes first in this warm process
    process.env['IDEMPOTENCY_TABLE_NAME'] = 'idempotency';
    h.addAccount('idem-api', newToken());
    h.addAccount('idem-event', newToken());
    await h.invoke(
      httpEvent({
        method: 'POST',
        path: '/revocations',
        body: { accountId: 'idem-api' },
        headers: { 'idempotency-key': 'k-first' },
      }),
    );
    // Act
    await h.invoke(offboardingEvent({ accountId: 'idem-event' }));
    // Assess
    const { Items = [] } = await h.dynamo.documentClient.send(
      new ScanCommand({ TableName: IDEMPOTENCY_TABLE }),
    );
    const expiryOf = (use: string) => {
      const item = Items.find((i) => String(i['id']).startsWith(`meeting-token-revoker.${use}#`));
      return Number(item?.['expiration']) - Date.now() / 1000;
    };
    expect(expiryOf('api')).toBeGreaterThan(3500);
    // Expiry is stored in whole seconds, so allow the second it was rounded into.
    expect(expiryOf('api')).toBeLessThan(3602);
    expect(expiryOf('offboarding')).toBeGreaterThan(86_000);
  });

  it('lets the retry of a failed event revoke what failed, with the idempotency table', async () => {
    // Prepare
    process.env['IDEMPOTENCY_TABLE_NAME'] = 'idempotency';
    const done = newToken();
    const flaky = newToken();
    h.addAccount('retry-ok', done);
    h.addAccount('retry-flaky', flaky);
    h.meeting.script(flaky, [{ status: 500 }, { status: 500 }, { status: 500 }, { status: 200 }]);
    const event = offboardingEvent({ accountIds: ['retry-ok', 'retry-flaky'] });
    await expect(h.invoke(event)).rejects.toThrow();
    // Act: Lambda's async retry delivers the same event again
    const summary = await h.invoke(event);
    // Assess
    expect(summary).toEqual({ processed: 2, outcomes: { ALREADY_REVOKED: 1, REVOKED: 1 } });
    expect(h.meeting.callsFor(done)).toHaveLength(1);
  });

  it('revokes the valid accounts of an event, then fails it naming where the invalid ids are', async () => {
    // Prepare
    const t = newToken();
    h.addAccount('good-2', t);
    // Act
    const act = h.invoke(
      offboardingEvent({ detail: { accountIds: ['good-2', '../secret-path', 7] } }),
    );
    // Assess
    await expect(act).rejects.toThrow(
      /2 account id\(s\) .* not revoked: detail\.accountIds\[1\], detail\.accountIds\[2\]/,
    );
    await expect(act).rejects.not.toThrow(/secret-path/);
    expect(h.meeting.callsFor(t)).toHaveLength(1);
    expect(h.meeting.requests).toHaveLength(1);
    expect(await recordsOf(h, 'good-2')).toEqual([expect.objectContaining({ outcome: 'REVOKED' })]);
  });

  it.each([
    ['only invalid account ids', { accountIds: ['../bad', ''] }],
    ['an empty list', { accountIds: [] }],
    ['no account at all', {}],
    ['a numeric account id', { accountId: 42 }],
  ])('rejects an event with %s before any call', async (_name, detail) => {
    // Prepare
    const t = newToken();
    h.addAccount('good-1', t);
    // Act
    const act = h.invoke(offboardingEvent({ detail }));
    // Assess
    await expect(act).rejects.toThrow(/Invalid offboarding event/);
    expect(h.meeting.requests).toHaveLength(0);
    expect(await allRecords(h)).toHaveLength(0);
  });

  it('revokes a 25-account event inline even with a work queue, outcomes in the summary', async () => {
    // Prepare
    process.env['WORK_QUEUE_URL'] = h.sqs.queueUrl('work');
    const accountIds = Array.from({ length: 25 }, (_, i) => `bulk-${i}`);
    for (const id of accountIds) h.addAccount(id, newToken());
    // Act
    const summary = await h.invoke(offboardingEvent({ accountIds }));
    // Assess
    expect(summary).toEqual({ processed: 25, outcomes: { REVOKED: 25 } });
    expect(h.sqs.messages).toHaveLength(0);
  });

  it('fans an event of more than 1,000 accounts out to the work queue, one message each', async () => {
    // Prepare
    process.env['WORK_QUEUE_URL'] = h.sqs.queueUrl('work');
    const accountIds = Array.from({ length: 1001 }, (_, i) => `bulk-${i}`);
    const event = offboardingEvent({ accountIds });
    // Act
    const summary = await h.invoke(event);
    // Assess
    expect(summary).toEqual({ processed: 1001, outcomes: {}, queued: 1001 });
    expect(h.meeting.requests).toHaveLength(0);
    const bodies = h.sqs.messages.map((m) => JSON.parse(m.body) as Record<string, string>);
    expect(bodies.map((b) => b['accountId']).sort()).toEqual([...accountIds].sort());
    expect(bodies[0]).toEqual({
      accountId: expect.any(String),
      trigger: 'offboarding',
      requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      correlationId: event.id,
    });
  });

  it('does not replay a summary for another event that re-uses an id', async () => {
    // Prepare
    process.env['IDEMPOTENCY_TABLE_NAME'] = 'idempotency';
    const second = newToken();
    h.addAccount('reuse-1', newToken());
    h.addAccount('reuse-2', second);
    await h.invoke(offboardingEvent({ id: 'evt-fixture', accountId: 'reuse-1' }));
    // Act
    const summary = await h.invoke(offboardingEvent({ id: 'evt-fixture', accountId: 'reuse-2' }));
    // Assess
    expect(summary).toEqual({ processed: 1, outcomes: { REVOKED: 1 } });
    expect(h.meeting.isLive(second)).toBe(false);
    expect(await recordsOf(h, 'reuse-2')).toHaveLength(1);
  });

  it('records FAILED "deadline" for every account it had no time to start, then fails', async () => {
    // Prepare: less time than one 5 s attempt needs
    const t = newToken();
    h.addAccount('late-1', t);
    // Act
    const act = h.invoke(
      offboardingEvent({ accountId: 'late-1' }),
      fakeContext({ remainingMs: 2000 }),
    );
    // Assess
    await expect(act).rejects.toThrow(/not started 1.*late-1/);
    expect(h.meeting.requests).toHaveLength(0);
    expect(await recordsOf(h, 'late-1')).toEqual([
      expect.objectContaining({ outcome: 'FAILED', attempts: 0, failure: 'deadline' }),
    ]);
  });

  it('makes no second upstream call for a duplicate even when the secret has no version id', async () => {
    // Prepare: a Secrets Manager look-alike that returns no VersionId
    const t = newToken();
    h.addAccount('no-version', t);
    h.secrets.omitVersionIds = true;
    try {
      const event = offboardingEvent({ accountId: 'no-version' });
      // Act
      await h.invoke(event);
      const again = await h.invoke(event);
      // Assess
      expect(again).toEqual({ processed: 1, outcomes: { ALREADY_REVOKED: 1 } });
      expect(h.meeting.callsFor(t)).toHaveLength(1);
    } finally {
      h.secrets.omitVersionIds = false;
    }
  });

  it('trims the newline a secret written from a file carries, and revokes the token', async () => {
    const t = newToken();
    h.meeting.addToken(t);
    h.secrets.put(`${PREFIX}newline`, `${t}\n`);
    expect(await h.invoke(offboardingEvent({ accountId: 'newline' }))).toEqual({
      processed: 1,
      outcomes: { REVOKED: 1 },
    });
    expect(h.meeting.callsFor(t)[0]?.headers['x-access-token']).toBe(t);
  });

  it('answers FAILED "token-unsendable", never NOT_FOUND, for a token no header can carry', async () => {
    h.secrets.put(`${PREFIX}broken`, JSON.stringify({ accessToken: 'abc\u0001def-ghijkl' }));
    await expect(h.invoke(offboardingEvent({ accountId: 'broken' }))).rejects.toThrow(/FAILED 1/);
    expect(await recordsOf(h, 'broken')).toEqual([
      expect.objectContaining({ outcome: 'FAILED', failure: 'token-unsendable' }),
    ]);
    expect(h.meeting.requests).toHaveLength(0);
  });
});
