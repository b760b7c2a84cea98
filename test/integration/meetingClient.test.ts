// The hand-written Huawei client over real HTTP against the simulator: connection reuse, size
// caps on error bodies, defensive parsing and the deadline.
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MeetingClient } from '../../lambda/adapters/meeting/MeetingClient.js';
import { AttemptGate } from '../../lambda/core/AttemptGate.js';
import { MeetingSimulator } from '../../local/MeetingSimulator.js';

let sim: MeetingSimulator;
let client: MeetingClient;

const options = {
  acceptLanguage: 'zh-CN' as const,
  timeoutMs: 1000,
  maxAttempts: 3,
  retryBaseMs: 5,
  maxSockets: 4,
};
const requestId = '6c1f0b4e-1d2a-4b3c-8d4e-5f6a7b8c9d0e';

beforeAll(async () => {
  sim = await MeetingSimulator.start();
  client = new MeetingClient({ ...options, baseUrl: sim.baseUrl });
});
beforeEach(() => {
  sim.reset();
});
afterAll(async () => {
  client.close();
  await sim.stop();
});

describe('MeetingClient', () => {
  it('reuses one keep-alive connection for sequential calls', async () => {
    // Prepare
    const tokens = ['tok-aaaaaaaa-1', 'tok-aaaaaaaa-2', 'tok-aaaaaaaa-3', 'tok-aaaaaaaa-4'];
    for (const t of tokens) sim.addToken(t);
    // Act
    for (const t of tokens) await client.logout(t, { requestId });
    // Assess
    expect(sim.connectionsOpened).toBeLessThanOrEqual(1);
    expect(sim.requests.every((r) => r.headers['accept-language'] === 'zh-CN')).toBe(true);
  });

  it('opens no more connections than maxSockets for concurrent calls', async () => {
    // Prepare
    sim.latencyMs = 30;
    const tokens = Array.from({ length: 40 }, (_, i) => `tok-concurrent-${i}`);
    for (const t of tokens) sim.addToken(t);
    // Act
    const results = await Promise.all(tokens.map((t) => client.logout(t, { requestId })));
    // Assess
    expect(results.every((r) => r.outcome === 'REVOKED')).toBe(true);
    expect(sim.maxInFlight).toBeLessThanOrEqual(4);
    expect(sim.connectionsOpened).toBeLessThanOrEqual(4);
  });

  it('reads an error body of 2 MiB only up to its cap and still classifies it', async () => {
    sim.addToken('tok-big-body');
    sim.script('tok-big-body', { status: 500, bodyBytes: 2 * 1024 * 1024 });
    const result = await client.logout('tok-big-body', { requestId });
    expect(result).toMatchObject({ outcome: 'FAILED', attempts: 3, upstreamStatus: 500 });
    expect(result.upstreamErrorCode).toBeUndefined();
  });

  it.each([
    ['HTML', '<html><h1>502 Bad Gateway</h1></html>'],
    ['empty', ''],
    ['truncated JSON', '{"error_code":"USG.00'],
  ])('copes with an %s error body', async (_name, body) => {
    sim.addToken('tok-odd-body');
    sim.script('tok-odd-body', { status: 403, body });
    const result = await client.logout('tok-odd-body', { requestId });
    expect(result).toEqual({
      outcome: 'REJECTED',
      attempts: 1,
      upstreamStatus: 403,
      upstreamMs: expect.any(Number),
    });
  });

  it('reports a connection reset after the last attempt as FAILED with its code', async () => {
    sim.addToken('tok-reset');
    sim.script('tok-reset', { reset: true });
    const result = await client.logout('tok-reset', { requestId });
    expect(result).toMatchObject({ outcome: 'FAILED', attempts: 3 });
    expect(result.failure).toMatch(/^E[A-Z]+/);
    expect(result.upstreamStatus).toBeUndefined();
  });

  it('times an attempt out and reports timeout', async () => {
    const quick = new MeetingClient({
      ...options,
      baseUrl: sim.baseUrl,
      timeoutMs: 100,
      maxAttempts: 2,
    });
    sim.addToken('tok-hang');
    sim.script('tok-hang', { hang: true });
    const result = await quick.logout('tok-hang', { requestId });
    quick.close();
    expect(result).toMatchObject({ outcome: 'FAILED', attempts: 2, failure: 'timeout' });
    expect(sim.callsFor('tok-hang')).toHaveLength(2);
  });

  it('does not wait for a Retry-After that would pass the deadline', async () => {
    // Prepare: a client that waited the 3 s would then try again
    sim.addToken('tok-later');
    sim.script('tok-later', { status: 429, headers: { 'Retry-After': '3' } });
    // Act
    const result = await client.logout('tok-later', { requestId, deadline: Date.now() + 2000 });
    // Assess
    expect(result).toMatchObject({
      outcome: 'FAILED',
      attempts: 1,
      upstreamStatus: 429,
      failure: 'http-429',
    });
    expect(sim.callsFor('tok-later')).toHaveLength(1);
  });

  it('behind a gate, spends no attempt on a 429 that says when to come back, while the deadline allows', async () => {
    // Prepare: three 429s with Retry-After, then a 200; three attempts allowed
    const throttledThrice = [
      { status: 429, headers: { 'Retry-After': '0' } },
      { status: 429, headers: { 'Retry-After': '0' } },
      { status: 429, headers: { 'Retry-After': '0' } },
      { status: 200 },
    ];
    sim.script('tok-crowded-gated', throttledThrice);
    sim.script('tok-crowded-ungated', throttledThrice);
    const deadline = Date.now() + 10_000;
    // Act
    const gated = await client.logout('tok-crowded-gated', {
      requestId,
      deadline,
      gate: new AttemptGate(4),
    });
    const ungated = await client.logout('tok-crowded-ungated', { requestId, deadline });
    // Assess: the gated call gets through; without a gate the 429s use up its attempts
    expect(gated).toMatchObject({ outcome: 'REVOKED', attempts: 4 });
    expect(ungated).toMatchObject({ outcome: 'FAILED', attempts: 3, upstreamStatus: 429 });
  });

  it('validates: dead on 401, alive on 200, unknown when upstream cannot say', async () => {
    // Prepare
    sim.addToken('tok-validate-live');
    const down = createServer((_req, res) => res.writeHead(503).end()).listen(0, '127.0.0.1');
    await new Promise((resolve) => down.once('listening', resolve));
    const downClient = new MeetingClient({
      ...options,
      baseUrl: `http://127.0.0.1:${(down.address() as AddressInfo).port}`,
    });
    // Act
    const alive = await client.validate('tok-validate-live', { requestId });
    const dead = await client.validate('tok-never-issued', { requestId });
    const unknown = await downClient.validate('tok-validate-live', { requestId });
    downClient.close();
    down.close();
    // Assess
    expect([alive, dead, unknown]).toEqual(['alive', 'dead', 'unknown']);
    const [request] = sim.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/v1/usg/acs/token/validate' });
    expect(request?.headers['content-type']).toBe('application/json');
  });

  it('never follows a redirect with the token', async () => {
    sim.addToken('tok-redirect');
    sim.script('tok-redirect', { status: 307, headers: { Location: 'http://127.0.0.1:1/steal' } });
    const result = await client.logout('tok-redirect', { requestId });
    expect(result).toMatchObject({ outcome: 'FAILED', attempts: 1, upstreamStatus: 307 });
    expect(sim.requests).toHaveLength(1);
  });

  it('times an attempt from its socket: a wait in the pool does not eat the timeout', async () => {
    // Prepare: 6 calls at once through 2 sockets, each answer taking 2/3 of the timeout
    const pooled = new MeetingClient({
      ...options,
      baseUrl: sim.baseUrl,
      timeoutMs: 300,
      maxAttempts: 1,
      maxSockets: 2,
    });
    sim.latencyMs = 200;
    const tokens = Array.from({ length: 6 }, (_, i) => `tok-queued-${i}`);
    for (const t of tokens) sim.addToken(t);
    // Act
    const deadline = Date.now() + 10_000;
    const results = await Promise.all(tokens.map((t) => pooled.logout(t, { requestId, deadline })));
    pooled.close();
    // Assess
    expect(results.map((r) => r.outcome)).toEqual(tokens.map(() => 'REVOKED'));
    expect(sim.maxInFlight).toBeLessThanOrEqual(2);
  });

  it('gives up waiting for a socket when an attempt could no longer finish by the deadline', async () => {
    // Prepare: the only socket is held by a hanging call
    const single = new MeetingClient({
      ...options,
      baseUrl: sim.baseUrl,
      timeoutMs: 300,
      maxAttempts: 1,
      maxSockets: 1,
    });
    sim.addToken('tok-holds-socket');
    sim.script('tok-holds-socket', { hang: true });
    sim.addToken('tok-waits');
    const holding = single.logout('tok-holds-socket', { requestId });
    await until(() => sim.requests.length === 1);
    // Act: 400 ms left, so no socket later than 100 ms from now will do
    const result = await single.logout('tok-waits', { requestId, deadline: Date.now() + 400 });
    await holding;
    single.close();
    // Assess: given up before the socket came free (300 ms on); waiting would have sent it
    expect(result).toMatchObject({ outcome: 'FAILED', attempts: 1, failure: 'timeout' });
    expect(sim.callsFor('tok-waits')).toHaveLength(0);
  });

  it('without a deadline, waits for a socket no longer than maxAttempts × timeoutMs', async () => {
    // Prepare: something else holds the pool's only socket for 3 s; a client that waited longer
    // than its budget would then get it and send
    const single = new MeetingClient({
      ...options,
      baseUrl: sim.baseUrl,
      timeoutMs: 100,
      maxAttempts: 2,
      maxSockets: 1,
    });
    sim.addToken('tok-hog');
    sim.script('tok-hog', { delayMs: 3000, status: 200 });
    const hog = httpRequest(`${sim.baseUrl}/v1/usg/acs/token`, {
      method: 'DELETE',
      agent: single.agent,
      headers: { 'X-Access-Token': 'tok-hog' },
    });
    hog.on('error', () => {});
    hog.end();
    await until(() => sim.requests.length === 1);
    sim.addToken('tok-starved');
    // Act
    const started = Date.now();
    const result = await single.logout('tok-starved', { requestId });
    const elapsed = Date.now() - started;
    single.close();
    // Assess: two attempts, each waiting 2 × 100 ms at most
    expect(result).toMatchObject({ outcome: 'FAILED', attempts: 2, failure: 'timeout' });
    expect(elapsed).toBeGreaterThanOrEqual(390);
    expect(sim.callsFor('tok-starved')).toHaveLength(0);
  });

  it('settles a 2xx on its status: a slow body is no timeout and no second DELETE', async () => {
    // Prepare
    const quick = new MeetingClient({ ...options, baseUrl: sim.baseUrl, timeoutMs: 200 });
    sim.addToken('tok-slow-body');
    // The body would take longer than the test may run: a client waiting for it never answers.
    sim.script('tok-slow-body', { status: 200, bodyDelayMs: 60_000 });
    // Act
    const result = await quick.logout('tok-slow-body', { requestId });
    quick.close();
    // Assess
    expect(result).toMatchObject({ outcome: 'REVOKED', attempts: 1, upstreamStatus: 200 });
    expect(sim.callsFor('tok-slow-body')).toHaveLength(1);
  });

  it('returns the socket of a 2xx to the pool once its body is drained', async () => {
    // Prepare
    sim.addToken('tok-big-ok');
    sim.script('tok-big-ok', { status: 200, bodyBytes: 2 * 1024 * 1024 });
    sim.addToken('tok-after-big-ok');
    // Act
    const first = await client.logout('tok-big-ok', { requestId });
    await until(() => freeSockets(client) > 0);
    const second = await client.logout('tok-after-big-ok', { requestId });
    // Assess
    expect([first.outcome, second.outcome]).toEqual(['REVOKED', 'REVOKED']);
    expect(sim.connectionsOpened).toBeLessThanOrEqual(1);
  });

  it('drops the socket of a 2xx whose body takes longer than an attempt to drain', async () => {
    // Prepare: one socket, held by a body that never comes
    const single = new MeetingClient({
      ...options,
      baseUrl: sim.baseUrl,
      timeoutMs: 200,
      maxSockets: 1,
    });
    sim.addToken('tok-endless-body');
    sim.script('tok-endless-body', { status: 200, bodyDelayMs: 60_000 });
    sim.addToken('tok-next');
    // Act
    const first = await single.logout('tok-endless-body', { requestId });
    const second = await single.logout('tok-next', { requestId });
    single.close();
    // Assess
    expect(first).toMatchObject({ outcome: 'REVOKED', attempts: 1 });
    expect(second).toMatchObject({ outcome: 'REVOKED', attempts: 1 });
    expect(sim.connectionsOpened).toBe(2);
  });

  it('drops an error code that carries part of the token', async () => {
    // Prepare: "USG." and the token's first 19 characters passes the code's pattern
    const t = 'cnr1k3j9x0q7w2m5v8b4n6z1p0s9d8f7g6h5j4k3';
    sim.addToken(t);
    sim.script(t, { status: 403, body: { error_code: `USG.${t.slice(0, 19)}`, error_msg: 'no' } });
    // Act
    const result = await client.logout(t, { requestId });
    // Assess
    expect(result).toMatchObject({ outcome: 'REJECTED', attempts: 1, upstreamStatus: 403 });
    expect(result).not.toHaveProperty('upstreamErrorCode');
  });

  it('retries at once on a fresh connection when a reused socket turns out stale, as no attempt', async () => {
    // Prepare: two warm sockets, then the server forgets them (as over a Lambda freeze)
    const warm = new MeetingClient({ ...options, baseUrl: sim.baseUrl, maxSockets: 2 });
    sim.latencyMs = 50;
    sim.addToken('tok-warm-1');
    sim.addToken('tok-warm-2');
    await Promise.all(['tok-warm-1', 'tok-warm-2'].map((t) => warm.logout(t, { requestId })));
    await until(() => freeSockets(warm) === 2);
    sim.reset();
    sim.dropIdleSockets();
    sim.addToken('tok-after-freeze');
    // Act
    const result = await warm.logout('tok-after-freeze', { requestId });
    warm.close();
    // Assess: one stale try, then one request on a new connection, counted as one attempt
    expect(result).toMatchObject({ outcome: 'REVOKED', attempts: 1, upstreamStatus: 200 });
    expect(sim.requestsDropped).toBe(1);
    expect(sim.connectionsOpened).toBe(1);
    expect(sim.callsFor('tok-after-freeze')).toHaveLength(1);
  });

  it('retries a stale socket only once: a reset on the fresh connection is an attempt', async () => {
    // Prepare
    const warm = new MeetingClient({ ...options, baseUrl: sim.baseUrl, maxAttempts: 1 });
    sim.addToken('tok-warm');
    await warm.logout('tok-warm', { requestId });
    await until(() => freeSockets(warm) === 1);
    sim.reset();
    sim.dropIdleSockets();
    sim.addToken('tok-reset-after-freeze');
    sim.script('tok-reset-after-freeze', { reset: true });
    // Act
    const result = await warm.logout('tok-reset-after-freeze', { requestId });
    warm.close();
    // Assess
    expect(result).toMatchObject({ outcome: 'FAILED', attempts: 1 });
    expect(result.failure).toMatch(/^E[A-Z]+/);
    expect(sim.requestsDropped).toBe(1);
    expect(sim.callsFor('tok-reset-after-freeze')).toHaveLength(1);
  });

  it('counts a reset on a socket reused by a later attempt: only a first attempt finds one stale', async () => {
    sim.addToken('tok-503-reset-200');
    sim.script('tok-503-reset-200', [{ status: 503 }, { reset: true }, { status: 200 }]);
    const result = await client.logout('tok-503-reset-200', { requestId });
    expect(result).toMatchObject({ outcome: 'REVOKED', attempts: 3 });
    expect(sim.callsFor('tok-503-reset-200')).toHaveLength(3);
  });
});

const freeSockets = (meeting: MeetingClient): number =>
  Object.values(meeting.agent.freeSockets).reduce((n, sockets) => n + (sockets?.length ?? 0), 0);

/** Polls until `ready` holds, for states the client reaches in the background. */
const until = async (ready: () => boolean, timeoutMs = 2000): Promise<void> => {
  const giveUpAt = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > giveUpAt) throw new Error('condition not reached in time');
    await sleep(5);
  }
};
