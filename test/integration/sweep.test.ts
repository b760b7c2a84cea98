// The schedule (docs/INTERFACE.md): the scheduled sweep of the built bundle, inline and fanned out to the work
// queue, against local stand-ins.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { classicScheduledEvent, scheduleEvent } from '../support/events.js';
import { type Harness, newToken, PREFIX, startHarness } from '../support/harness.js';
import { fakeContext } from '../support/lambdaContext.js';
import { allRecords, recordsOf } from '../support/records.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
beforeEach(async () => {
  await h.reset();
  for (const name of [
    'IDEMPOTENCY_TABLE_NAME',
    'WORK_QUEUE_URL',
    'SWEEP_CONCURRENCY',
    'MEETING_TIMEOUT_MS',
  ]) {
    delete process.env[name];
  }
});
afterAll(async () => {
  await h.stop();
});

const seed = (count: number, prefix = 'acct') => {
  const tokens: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const t = newToken();
    tokens.push(t);
    h.addAccount(`${prefix}-${String(i).padStart(5, '0')}`, t);
  }
  return tokens;
};

describe('sweep, inline', () => {
  it('revokes every secret under the prefix, and nothing else', async () => {
    // Prepare
    const tokens = seed(5);
    const outside = [newToken(), newToken(), newToken()];
    for (const t of outside) h.meeting.addToken(t);
    h.secrets.put(
      'meeting/service-accounts-archive/old',
      JSON.stringify({ accessToken: outside[0] }),
    );
    h.secrets.put('other/meeting/service-accounts/x', JSON.stringify({ accessToken: outside[1] }));
    h.secrets.put('Meeting/Service-Accounts/upper', JSON.stringify({ accessToken: outside[2] }));
    const event = scheduleEvent();
    // Act
    const summary = await h.invoke(event);
    // Assess
    expect(summary).toEqual({ processed: 5, outcomes: { REVOKED: 5 } });
    for (const t of tokens) expect(h.meeting.isLive(t)).toBe(false);
    for (const t of outside) expect(h.meeting.callsFor(t)).toHaveLength(0);
    const records = await allRecords(h);
    expect(records).toHaveLength(5);
    expect(records.every((r) => r['trigger'] === 'schedule')).toBe(true);
    expect(records.every((r) => r['correlationId'] === event.executionId)).toBe(true);
  });

  it('answers ALREADY_REVOKED for every account on the next night, without upstream calls', async () => {
    // Prepare
    seed(30);
    await h.invoke(scheduleEvent());
    const calls = h.meeting.requests.length;
    // Act
    const summary = await h.invoke(scheduleEvent());
    // Assess
    expect(summary).toEqual({ processed: 30, outcomes: { ALREADY_REVOKED: 30 } });
    expect(h.meeting.requests).toHaveLength(calls);
  });

  it('accepts the classic scheduled event', async () => {
    seed(2);
    expect(await h.invoke(classicScheduledEvent())).toEqual({
      processed: 2,
      outcomes: { REVOKED: 2 },
    });
  });

  it('reads tokens twenty at a time with BatchGetSecretValue', async () => {
    // Prepare
    seed(45);
    // Act
    await h.invoke(scheduleEvent());
    // Assess
    const operations = h.secrets.calls.map((c) => c.operation);
    expect(operations.filter((o) => o === 'BatchGetSecretValue')).toHaveLength(3);
    expect(operations.filter((o) => o === 'GetSecretValue')).toHaveLength(0);
  });

  it('skips secret names that are not valid account ids', async () => {
    seed(2);
    h.secrets.put(`${PREFIX}team/nested`, JSON.stringify({ accessToken: newToken() }));
    expect(await h.invoke(scheduleEvent())).toEqual({ processed: 2, outcomes: { REVOKED: 2 } });
  });

  it('summarises mixed outcomes and throws after recording when one FAILED', async () => {
    // Prepare
    seed(3);
    const down = newToken();
    h.addAccount('zz-down', down);
    h.meeting.script(down, { status: 500 });
    h.secrets.put(`${PREFIX}zz-empty`, JSON.stringify({ other: 'x' }));
    // Act
    const act = h.invoke(scheduleEvent());
    // Assess
    await expect(act).rejects.toThrow(/FAILED 1.*zz-down/);
    const outcomes = (await allRecords(h)).map((r) => r['outcome']).sort();
    expect(outcomes).toEqual(['FAILED', 'NOT_FOUND', 'REVOKED', 'REVOKED', 'REVOKED']);
  });

  it('is idempotent on the execution id', async () => {
    // Prepare
    process.env['IDEMPOTENCY_TABLE_NAME'] = 'idempotency';
    seed(3);
    const event = scheduleEvent();
    // Act
    const first = await h.invoke(event);
    const requests = h.meeting.requests.length;
    const second = await h.invoke(event);
    // Assess
    expect(second).toEqual(first);
    expect(h.meeting.requests).toHaveLength(requests);
    expect(await allRecords(h)).toHaveLength(3);
  });

  it('stops starting revocations when time runs short, records the rest FAILED and fails', async () => {
    // Prepare: 100 accounts, 200 ms each, 2 at a time, 1.2 s of useful time
    process.env['SWEEP_CONCURRENCY'] = '2';
    process.env['MEETING_TIMEOUT_MS'] = '500';
    // The changed environment is a fresh instance of the bundle: one sweep first, so that what is
    // timed is the deadline, not a cold start on a busy machine.
    seed(1, 'warm');
    await h.invoke(scheduleEvent());
    await h.reset();
    h.meeting.latencyMs = 200;
    seed(100);
    // Act
    const act = h.invoke(scheduleEvent(), fakeContext({ remainingMs: 2200 }));
    // Assess
    const error = await act.then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(/not started \d+/);
    const notStarted = Number(/not started (\d+)/.exec(error?.message ?? '')?.[1]);
    const records = await allRecords(h);
    const revoked = records.filter((r) => r['outcome'] === 'REVOKED');
    const late = records.filter((r) => r['outcome'] === 'FAILED');
    expect(revoked.length).toBeGreaterThan(0);
    expect(late).toHaveLength(notStarted);
    expect(late.every((r) => r['failure'] === 'deadline' && r['attempts'] === 0)).toBe(true);
    expect(revoked.length + late.length).toBe(100);
    // Accounts not started were not even read: their tokens are still live, for the retry.
    expect(h.meeting.requests).toHaveLength(revoked.length);
  });

  it('sweeps 1,000 accounts at 50 ms latency within SWEEP_CONCURRENCY calls and connections', async () => {
    // Prepare
    process.env['SWEEP_CONCURRENCY'] = '8';
    h.meeting.latencyMs = 50;
    const tokens = seed(1000);
    const connectionsBefore = h.meeting.connectionsOpened;
    // Act
    const summary = await h.invoke(scheduleEvent(), fakeContext({ remainingMs: 300_000 }));
    // Assess
    expect(summary).toEqual({ processed: 1000, outcomes: { REVOKED: 1000 } });
    expect(await allRecords(h)).toHaveLength(1000);
    expect(tokens.every((t) => !h.meeting.isLive(t))).toBe(true);
    // Eight at a time, never more, on at most eight connections: the pool is filled, not exceeded
    // (how long it takes is BENCHMARKS.md's question).
    expect(h.meeting.maxInFlight).toBe(8);
    expect(h.meeting.connectionsOpened - connectionsBefore).toBeLessThanOrEqual(8);
  }, 60_000);
});

describe('sweep through the work queue', () => {
  it('sends one message per account, ten per call, and revokes nothing inline', async () => {
    // Prepare
    process.env['WORK_QUEUE_URL'] = h.sqs.queueUrl('work');
    seed(25);
    const event = scheduleEvent();
    // Act
    const summary = await h.invoke(event);
    // Assess
    expect(summary).toEqual({ processed: 25, outcomes: {}, queued: 25 });
    expect(h.meeting.requests).toHaveLength(0);
    expect(h.sqs.calls.filter((c) => c.operation === 'SendMessageBatch')).toHaveLength(3);
    const bodies = h.sqs.messages.map((m) => JSON.parse(m.body) as Record<string, string>);
    expect(new Set(bodies.map((b) => b['accountId'])).size).toBe(25);
    expect(
      bodies.every((b) => b['trigger'] === 'schedule' && b['correlationId'] === event.executionId),
    ).toBe(true);
    expect(h.secrets.calls.some((c) => c.operation.includes('GetSecretValue'))).toBe(false);
  });

  it('sends refused entries again', async () => {
    process.env['WORK_QUEUE_URL'] = h.sqs.queueUrl('work');
    seed(10);
    h.sqs.failEntries((body) => body.includes('acct-00003'), 1);
    expect(await h.invoke(scheduleEvent())).toMatchObject({ queued: 10 });
    expect(h.sqs.messages.filter((m) => m.body.includes('acct-00003'))).toHaveLength(1);
  });

  it('fails loudly, naming them, when entries are still refused', async () => {
    process.env['WORK_QUEUE_URL'] = h.sqs.queueUrl('work');
    seed(10);
    h.sqs.failEntries((body) => body.includes('acct-00007'));
    await expect(h.invoke(scheduleEvent())).rejects.toThrow(
      /1 account\(s\) could not be queued: acct-00007/,
    );
  });
});

describe('sweep records', () => {
  it('records NOT_FOUND for a secret under the prefix without a token', async () => {
    h.secrets.put(`${PREFIX}blank`, '');
    await h.invoke(scheduleEvent());
    expect(await recordsOf(h, 'blank')).toEqual([
      expect.objectContaining({ outcome: 'NOT_FOUND' }),
    ]);
  });
});

describe('sweep without BatchGetSecretValue', () => {
  it('reads the secrets one by one when the batch call is refused, and revokes them all', async () => {
    // Prepare
    const tokens = seed(25);
    h.secrets.fail('BatchGetSecretValue', { type: 'AccessDeniedException' });
    // Act
    const summary = await h.invoke(scheduleEvent());
    // Assess
    expect(summary).toEqual({ processed: 25, outcomes: { REVOKED: 25 } });
    expect(tokens.every((t) => !h.meeting.isLive(t))).toBe(true);
    expect(h.secrets.calls.filter((c) => c.operation === 'GetSecretValue')).toHaveLength(25);
  });
});

describe('sweep against minimal look-alikes', () => {
  it('reads the secrets one by one when BatchGetSecretValue answers about none of them', async () => {
    // Prepare
    process.env['SWEEP_CONCURRENCY'] = '4'; // a fresh configuration: fresh services
    const tokens = seed(25);
    h.secrets.emptyBatchAnswers = true;
    try {
      // Act
      const summary = await h.invoke(scheduleEvent());
      // Assess
      expect(summary).toEqual({ processed: 25, outcomes: { REVOKED: 25 } });
      expect(tokens.every((t) => !h.meeting.isLive(t))).toBe(true);
      // The first page proved the batch call useless; the second did not try it again.
      expect(h.secrets.calls.filter((c) => c.operation === 'BatchGetSecretValue')).toHaveLength(1);
    } finally {
      h.secrets.emptyBatchAnswers = false;
    }
  });

  it('sweeps the new secrets when an execution id is re-used over a different set', async () => {
    // Prepare
    process.env['IDEMPOTENCY_TABLE_NAME'] = 'idempotency';
    process.env['SWEEP_CONCURRENCY'] = '3';
    seed(2, 'first');
    const event = scheduleEvent({ executionId: 'fixture-execution' });
    await h.invoke(event);
    const added = seed(1, 'later');
    // Act
    const summary = await h.invoke(event);
    // Assess
    expect(summary).toEqual({ processed: 3, outcomes: { ALREADY_REVOKED: 2, REVOKED: 1 } });
    expect(h.meeting.isLive(added[0] ?? '')).toBe(false);
  });

  it('goes on without idempotency when the idempotency table does not exist', async () => {
    process.env['IDEMPOTENCY_TABLE_NAME'] = 'no-such-table';
    seed(3);
    expect(await h.invoke(scheduleEvent())).toEqual({ processed: 3, outcomes: { REVOKED: 3 } });
    expect(h.logs.join('')).toContain('idempotency table unusable; going on without it');
  });
});
