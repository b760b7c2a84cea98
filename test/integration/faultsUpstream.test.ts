// Faults of Huawei Cloud Meeting and Secrets Manager, duplicate deliveries and a running-out
// deadline, per trigger, through the built bundle: each fault the contract tests do not cover yet.
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { httpEvent, offboardingEvent, scheduleEvent, sqsEvent } from '../support/events.js';
import {
  type Harness,
  IDEMPOTENCY_TABLE,
  newToken,
  PREFIX,
  startHarness,
} from '../support/harness.js';
import { fakeContext } from '../support/lambdaContext.js';
import { allRecords, recordsOf } from '../support/records.js';

const MiB = 1024 * 1024;

let h: Harness;

type Response = APIGatewayProxyStructuredResultV2 & {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
};

const post = async (
  accountId: string,
  options: { headers?: object; remainingMs?: number } = {},
) => {
  const response = (await h.invoke(
    httpEvent({
      method: 'POST',
      path: '/revocations',
      body: { accountId },
      headers: { ...options.headers },
    }),
    fakeContext(options.remainingMs === undefined ? {} : { remainingMs: options.remainingMs }),
  )) as Response;
  return { ...response, json: JSON.parse(response.body) as Record<string, unknown> };
};

const work = (accountId: string, messageId: string) => ({
  messageId,
  body: { accountId, trigger: 'schedule', requestId: randomUUID() },
});

const rejection = async (promise: Promise<unknown>): Promise<Error> =>
  promise.then(
    () => {
      throw new Error('expected the invocation to fail');
    },
    (error: Error) => error,
  );

/** Runs `act` with Math.random at 0: the SDK's jittered backoff (1 s base for throttling) is 0. */
const withoutJitter = async <T>(act: () => Promise<T>): Promise<T> => {
  const random = Math.random;
  Math.random = () => 0;
  try {
    return await act();
  } finally {
    Math.random = random;
  }
};

beforeAll(async () => {
  h = await startHarness();
});
beforeEach(async () => {
  await h.reset();
  for (const name of ['IDEMPOTENCY_TABLE_NAME', 'MEETING_TIMEOUT_MS', 'SWEEP_CONCURRENCY']) {
    delete process.env[name];
  }
});
afterAll(async () => {
  await h.stop();
});

describe('Huawei Cloud Meeting faults (HTTP)', () => {
  it.each([
    [
      'an HTML 502 page',
      { status: 502, body: '<html><body><h1>502 Bad Gateway</h1></body></html>' },
    ],
    ['an empty 503', { status: 503, body: '' }],
    ['a truncated JSON 500', { status: 500, body: '{"error_code":"SIM.5' }],
  ])(
    'answers 503 FAILED with only the status for %s, after every attempt',
    async (_name, behaviour) => {
      // Prepare
      const t = newToken();
      h.addAccount('svc-odd', t);
      h.meeting.script(t, behaviour);
      // Act
      const response = await post('svc-odd');
      // Assess
      expect(response.statusCode).toBe(503);
      expect(response.headers['Content-Type']).toBe('application/json');
      expect(response.json).toEqual({
        accountId: 'svc-odd',
        outcome: 'FAILED',
        requestId: expect.any(String),
        recordedAt: expect.any(String),
        attempts: 3,
        upstreamStatus: behaviour.status,
      });
      expect((await recordsOf(h, 'svc-odd'))[0]).toMatchObject({
        outcome: 'FAILED',
        failure: `http-${behaviour.status}`,
      });
    },
  );

  it('answers 502 REJECTED for an empty 403, without a second attempt', async () => {
    const t = newToken();
    h.addAccount('svc-empty403', t);
    h.meeting.script(t, { status: 403, body: '' });
    const response = await post('svc-empty403');
    expect(response.statusCode).toBe(502);
    expect(response.json).toMatchObject({ outcome: 'REJECTED', attempts: 1, upstreamStatus: 403 });
    expect(response.json).not.toHaveProperty('upstreamErrorCode');
  });

  it.each([
    [200, 'REVOKED', 200, 1],
    [400, 'REJECTED', 502, 1],
    [503, 'FAILED', 503, 3],
  ])(
    'reads a %i answer with a 2 MiB body only up to its cap: %s',
    async (status, outcome, httpStatus, attempts) => {
      // Prepare
      const t = newToken();
      h.addAccount('svc-huge', t);
      h.meeting.script(t, { status, bodyBytes: 2 * MiB });
      const heapBefore = process.memoryUsage().heapUsed;
      // Act
      const response = await post('svc-huge');
      // Assess
      expect(response.statusCode).toBe(httpStatus);
      expect(response.json).toMatchObject({ outcome, attempts, upstreamStatus: status });
      // Not a proof of streaming (the GC decides), but buffering 2 MiB per attempt would show.
      expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * MiB);
    },
  );

  it('answers 503 FAILED with the network code when every attempt is reset', async () => {
    const t = newToken();
    h.addAccount('svc-reset', t);
    h.meeting.script(t, { reset: true });
    const response = await post('svc-reset');
    expect(response.statusCode).toBe(503);
    expect(response.json).toMatchObject({ outcome: 'FAILED', attempts: 3 });
    expect(response.json).not.toHaveProperty('upstreamStatus');
    expect((await recordsOf(h, 'svc-reset'))[0]?.['failure']).toMatch(/^E[A-Z]+$/);
  });

  it('answers 503 FAILED "timeout" when every attempt outlasts MEETING_TIMEOUT_MS', async () => {
    // Prepare
    process.env['MEETING_TIMEOUT_MS'] = '200';
    const t = newToken();
    h.addAccount('svc-hang', t);
    // Every answer comes after 3 s: on the 5 s default the first attempt would take it.
    h.meeting.script(t, { delayMs: 3000, status: 200 });
    // Act
    const response = await post('svc-hang');
    // Assess
    expect(response.statusCode).toBe(503);
    expect(response.json).toMatchObject({ outcome: 'FAILED', attempts: 3 });
    expect(h.meeting.callsFor(t)).toHaveLength(3);
    expect((await recordsOf(h, 'svc-hang'))[0]).toMatchObject({ failure: 'timeout' });
  });

  it('retries a 429 without Retry-After on its own backoff and records APIG.0308 when it gives up', async () => {
    const t = newToken();
    h.addAccount('svc-429', t);
    h.meeting.script(t, { status: 429 });
    const response = await post('svc-429');
    expect(response.statusCode).toBe(503);
    expect(response.json).toMatchObject({
      outcome: 'FAILED',
      attempts: 3,
      upstreamStatus: 429,
      upstreamErrorCode: 'APIG.0308',
    });
  });

  it('does not wait for a Retry-After the Lambda deadline cannot hold', async () => {
    // Prepare: 10 s asked, 8 s left; a client that waited would then try again
    const t = newToken();
    h.addAccount('svc-later', t);
    h.meeting.script(t, { status: 429, headers: { 'Retry-After': '10' } });
    // Act
    const response = await post('svc-later', { remainingMs: 8000 });
    // Assess
    expect(response.statusCode).toBe(503);
    expect(response.json).toMatchObject({ outcome: 'FAILED', attempts: 1, upstreamStatus: 429 });
    expect(h.meeting.callsFor(t)).toHaveLength(1);
  });
});

describe('Huawei Cloud Meeting faults (events and queue)', () => {
  it('offboarding: a reset then a success is REVOKED', async () => {
    const t = newToken();
    h.addAccount('leaver-blip', t);
    h.meeting.script(t, [{ reset: true }, { status: 200 }]);
    const summary = await h.invoke(offboardingEvent({ accountId: 'leaver-blip' }));
    expect(summary).toEqual({ processed: 1, outcomes: { REVOKED: 1 } });
    expect(h.meeting.callsFor(t)).toHaveLength(2);
  });

  it('offboarding: throws after recording when every attempt times out', async () => {
    // Prepare
    process.env['MEETING_TIMEOUT_MS'] = '150';
    h.addAccount('leaver-ok', newToken());
    const stuck = newToken();
    h.addAccount('leaver-stuck', stuck);
    h.meeting.script(stuck, { hang: true });
    // Act
    const error = await rejection(
      h.invoke(offboardingEvent({ accountIds: ['leaver-ok', 'leaver-stuck'] })),
    );
    // Assess
    expect(error.message).toMatch(/FAILED 1.*leaver-stuck/);
    expect((await recordsOf(h, 'leaver-stuck'))[0]).toMatchObject({
      outcome: 'FAILED',
      failure: 'timeout',
    });
    expect((await recordsOf(h, 'leaver-ok'))[0]).toMatchObject({ outcome: 'REVOKED' });
  });

  it('work queue: a 429 with Retry-After then 200 succeeds; a message reset every time fails alone', async () => {
    // Prepare
    const throttledToken = newToken();
    const resetToken = newToken();
    h.addAccount('q-429', throttledToken);
    h.addAccount('q-reset', resetToken);
    h.meeting.script(throttledToken, [
      { status: 429, headers: { 'Retry-After': '0' } },
      { status: 200 },
    ]);
    h.meeting.script(resetToken, { reset: true });
    // Act
    const answer = await h.invoke(sqsEvent([work('q-429', 'm-429'), work('q-reset', 'm-reset')]));
    // Assess
    expect(answer).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-reset' }] });
    expect((await recordsOf(h, 'q-429'))[0]).toMatchObject({ outcome: 'REVOKED', attempts: 2 });
    expect((await recordsOf(h, 'q-reset'))[0]).toMatchObject({ outcome: 'FAILED', attempts: 3 });
  });

  it('sweep: one hanging account does not hold up the others, then the sweep fails naming it', async () => {
    // Prepare
    process.env['MEETING_TIMEOUT_MS'] = '150';
    process.env['SWEEP_CONCURRENCY'] = '2';
    for (const id of ['sw-a', 'sw-b', 'sw-c', 'sw-d']) h.addAccount(id, newToken());
    const stuck = newToken();
    h.addAccount('sw-stuck', stuck);
    h.meeting.script(stuck, { hang: true });
    // Act
    const error = await rejection(h.invoke(scheduleEvent()));
    // Assess
    expect(error.message).toMatch(/FAILED 1.*sw-stuck/);
    const outcomes = Object.fromEntries(
      (await allRecords(h)).map((r) => [r['accountId'], r['outcome']]),
    );
    expect(outcomes).toEqual({
      'sw-a': 'REVOKED',
      'sw-b': 'REVOKED',
      'sw-c': 'REVOKED',
      'sw-d': 'REVOKED',
      'sw-stuck': 'FAILED',
    });
  });
});

describe('Secrets Manager faults', () => {
  it('retries a transient ThrottlingException and revokes', async () => {
    const t = newToken();
    h.addAccount('svc-sm-blip', t);
    h.secrets.fail('GetSecretValue', { type: 'ThrottlingException', message: 'Rate exceeded' }, 1);
    const response = await post('svc-sm-blip');
    expect(response.statusCode).toBe(200);
    expect(response.json['outcome']).toBe('REVOKED');
  });

  it.each(['DecryptionFailure', 'InternalServiceError'])(
    'answers 503 FAILED for %s, never NOT_FOUND, and calls nothing upstream',
    async (type) => {
      // Prepare
      h.addAccount('svc-sm-bad', newToken());
      h.secrets.fail('GetSecretValue', {
        type,
        status: type === 'InternalServiceError' ? 500 : 400,
        message: 'Simulated',
      });
      // Act
      const response = await post('svc-sm-bad');
      // Assess
      expect(response.statusCode).toBe(503);
      expect(response.json).toMatchObject({ outcome: 'FAILED', attempts: 0 });
      expect(h.meeting.requests).toHaveLength(0);
      expect((await recordsOf(h, 'svc-sm-bad'))[0]).toMatchObject({
        failure: `SecretsManager:${type}`,
      });
    },
  );

  it.each([
    ['a secret marked for deletion', () => h.secrets.markForDeletion(`${PREFIX}svc-gone`)],
    [
      'a binary secret',
      () => h.secrets.put(`${PREFIX}svc-gone`, { binary: new Uint8Array([1, 2, 3]) }),
    ],
  ])('answers 404 NOT_FOUND for %s, without an upstream call', async (_name, arrange) => {
    // Prepare
    h.addAccount('svc-gone', newToken());
    arrange();
    // Act
    const response = await post('svc-gone');
    // Assess
    expect(response.statusCode).toBe(404);
    expect(response.json['outcome']).toBe('NOT_FOUND');
    expect(h.meeting.requests).toHaveLength(0);
  });

  it('answers 503 FAILED "token-unsendable", never NOT_FOUND, for a token no header can carry', async () => {
    // Prepare: a header injection attempt stored as the token
    h.secrets.put(`${PREFIX}svc-crlf`, JSON.stringify({ accessToken: 'abc\r\nX-Evil: 1' }));
    // Act
    const response = await post('svc-crlf');
    // Assess
    expect(response.statusCode).toBe(503);
    expect(response.json).toMatchObject({ outcome: 'FAILED', attempts: 0 });
    expect(h.meeting.requests).toHaveLength(0);
    expect((await recordsOf(h, 'svc-crlf'))[0]).toMatchObject({ failure: 'token-unsendable' });
  });

  it('offboarding: AccessDeniedException is recorded FAILED and the event fails, not NOT_FOUND', async () => {
    // Prepare
    h.addAccount('leaver-denied', newToken());
    h.secrets.fail('GetSecretValue', { type: 'AccessDeniedException', message: 'Denied' });
    // Act
    const error = await rejection(h.invoke(offboardingEvent({ accountId: 'leaver-denied' })));
    // Assess
    expect(error.message).toMatch(/FAILED 1.*leaver-denied/);
    expect(h.meeting.requests).toHaveLength(0);
    expect((await recordsOf(h, 'leaver-denied'))[0]).toMatchObject({
      outcome: 'FAILED',
      failure: 'SecretsManager:AccessDeniedException',
    });
  });

  it('work queue: a persistent ThrottlingException fails the message, recorded FAILED', async () => {
    h.addAccount('q-sm', newToken());
    h.secrets.fail('GetSecretValue', { type: 'ThrottlingException', message: 'Rate exceeded' });
    const answer = await withoutJitter(() => h.invoke(sqsEvent([work('q-sm', 'm-sm')])));
    expect(answer).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-sm' }] });
    expect((await recordsOf(h, 'q-sm'))[0]).toMatchObject({
      outcome: 'FAILED',
      failure: 'SecretsManager:ThrottlingException',
    });
  });

  it('sweep: fails loudly, revoking and recording nothing, when the secrets cannot be listed', async () => {
    // Prepare
    const t = newToken();
    h.addAccount('sw-unlisted', t);
    h.secrets.fail('ListSecrets', { type: 'AccessDeniedException', message: 'Denied' });
    // Act
    const error = await rejection(h.invoke(scheduleEvent()));
    // Assess
    expect(error.name).toBe('AccessDeniedException');
    expect(h.meeting.requests).toHaveLength(0);
    expect(await allRecords(h)).toHaveLength(0);
  });
});

describe('duplicate deliveries', () => {
  it('HTTP: two concurrent requests with one Idempotency-Key make one upstream call', async () => {
    // Prepare
    process.env['IDEMPOTENCY_TABLE_NAME'] = IDEMPOTENCY_TABLE;
    const t = newToken();
    h.addAccount('svc-race', t);
    h.meeting.latencyMs = 200;
    // Act
    const [a, b] = await Promise.all([
      post('svc-race', { headers: { 'Idempotency-Key': 'race-1' } }),
      post('svc-race', { headers: { 'Idempotency-Key': 'race-1' } }),
    ]);
    // Assess: one revokes, the other is told to come back (409, Retry-After) or gets the same answer
    expect(h.meeting.callsFor(t)).toHaveLength(1);
    const statuses = [a.statusCode, b.statusCode].sort();
    expect(statuses[0]).toBe(200);
    expect([200, 409]).toContain(statuses[1]);
    const refused = [a, b].find((r) => r.statusCode === 409);
    if (refused) {
      expect(refused.json).toMatchObject({ error: { code: 'IDEMPOTENCY_IN_PROGRESS' } });
      expect(refused.headers['Retry-After']).toBe('1');
    }
    expect(await recordsOf(h, 'svc-race')).toHaveLength(1);
  });

  it('work queue: one message delivered to two invocations at once leaves the token dead, both succeed', async () => {
    // Prepare
    const t = newToken();
    h.addAccount('q-twin', t);
    h.meeting.latencyMs = 100;
    const message = work('q-twin', 'm-twin');
    // Act
    const answers = await Promise.all([
      h.invoke(sqsEvent([message])),
      h.invoke(sqsEvent([message])),
    ]);
    // Assess: the loser of the race learns the token is dead, upstream or from the marker
    expect(answers).toEqual([{ batchItemFailures: [] }, { batchItemFailures: [] }]);
    expect(h.meeting.isLive(t)).toBe(false);
    const outcomes = (await recordsOf(h, 'q-twin')).map((r) => r['outcome']).sort();
    expect(outcomes).toHaveLength(2);
    expect(outcomes.filter((o) => o === 'REVOKED')).toHaveLength(1);
    expect(['ALREADY_INVALID', 'ALREADY_REVOKED']).toContain(outcomes.find((o) => o !== 'REVOKED'));
  });

  it('offboarding: the same event delivered twice at once revokes once', async () => {
    // Prepare
    process.env['IDEMPOTENCY_TABLE_NAME'] = IDEMPOTENCY_TABLE;
    const t = newToken();
    h.addAccount('leaver-twin', t);
    h.meeting.latencyMs = 200;
    const event = offboardingEvent({ accountId: 'leaver-twin' });
    // Act
    const results = await Promise.allSettled([h.invoke(event), h.invoke(event)]);
    // Assess: the second is refused as in progress (Lambda retries it later) or gets the summary
    expect(h.meeting.callsFor(t)).toHaveLength(1);
    const fulfilled = results.filter((r) => r.status === 'fulfilled');
    expect(fulfilled.length).toBeGreaterThanOrEqual(1);
    for (const r of fulfilled) expect(r.value).toEqual({ processed: 1, outcomes: { REVOKED: 1 } });
    for (const r of results.filter((x) => x.status === 'rejected')) {
      expect(String((r as PromiseRejectedResult).reason)).toMatch(/in progress/i);
    }
    expect(await recordsOf(h, 'leaver-twin')).toHaveLength(1);
  });
});

describe('the Lambda deadline', () => {
  it('offboarding: accounts not started in time are named and the event fails', async () => {
    // Prepare: 1.2 s left, less the 0.5 s margin, cannot hold a 5 s attempt
    h.addAccount('late-1', newToken());
    h.addAccount('late-2', newToken());
    // Act
    const error = await rejection(
      h.invoke(
        offboardingEvent({ accountIds: ['late-1', 'late-2'] }),
        fakeContext({ remainingMs: 1200 }),
      ),
    );
    // Assess
    expect(error.message).toMatch(/not started 2.*late-1, late-2/);
    expect(h.meeting.requests).toHaveLength(0);
  });

  it('work queue: a message without time for one attempt is recorded FAILED "deadline" and fails', async () => {
    h.addAccount('q-late', newToken());
    const answer = await h.invoke(
      sqsEvent([work('q-late', 'm-late')]),
      fakeContext({ remainingMs: 1200 }),
    );
    expect(answer).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-late' }] });
    expect(h.meeting.requests).toHaveLength(0);
    expect((await recordsOf(h, 'q-late'))[0]).toMatchObject({
      outcome: 'FAILED',
      attempts: 0,
      failure: 'deadline',
    });
  });
});
