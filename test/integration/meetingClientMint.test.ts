// The Huawei client's App ID authentication ("mint") and validate over real HTTP against the
// simulator: the request Huawei expects, what is retried (only what surely minted nothing), and
// that neither the App Key nor a token ends up where it should not.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MeetingClient } from '../../lambda/adapters/meeting/MeetingClient.js';
import { MeetingSimulator } from '../../local/MeetingSimulator.js';

let sim: MeetingSimulator;
let client: MeetingClient;

const options = {
  acceptLanguage: 'en-US' as const,
  timeoutMs: 400,
  maxAttempts: 3,
  retryBaseMs: 5,
  maxSockets: 4,
};
const requestId = '0f3b9c1e-2a4d-4e6f-8a1b-3c5d7e9f1a2b';
// Alphanumeric, so that an error code could carry it whole: the client must still drop it.
const APP_KEY = 'AppKeyVerySecret0123456789';
const credentials = { appId: 'app-rotation', appKey: APP_KEY };

const appAuthRequests = () => sim.requests.filter((r) => r.path === '/v2/usg/acs/auth/appauth');

beforeAll(async () => {
  sim = await MeetingSimulator.start();
  client = new MeetingClient({ ...options, baseUrl: sim.baseUrl });
});
beforeEach(() => {
  sim.reset();
  sim.addApp(credentials.appId, APP_KEY);
});
afterAll(async () => {
  client.close();
  await sim.stop();
});

describe('MeetingClient.mint', () => {
  it('mints a live token with the request Huawei expects', async () => {
    // Act
    const result = await client.mint(credentials, 'user-1', { requestId });
    // Assess
    expect(result).toMatchObject({
      kind: 'minted',
      validPeriodSeconds: 43_200,
      attempts: 1,
      upstreamStatus: 200,
    });
    if (result.kind !== 'minted') throw new Error('not minted');
    expect(sim.isLive(result.token)).toBe(true);
    expect(sim.liveTokensOf('user-1')).toEqual([result.token]);
    const [request] = appAuthRequests();
    expect(request?.method).toBe('POST');
    expect(request?.headers['authorization']).toMatch(
      /^HMAC-SHA256 signature=[0-9a-f]{64},access=YXBwLXJvdGF0aW9u$/,
    );
    expect(request?.headers['x-token-type']).toBe('LongTicket');
    expect(request?.headers['content-type']).toBe('application/json; charset=UTF-8');
    expect(request?.headers['x-request-id']).toBe(requestId);
    expect(request?.headers['accept-language']).toBe('en-US');
    expect(request?.headers['user-agent']).toMatch(/^meeting-token-revoker\//);
    const body = JSON.parse(request?.body ?? '{}') as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(
      ['appId', 'clientType', 'expireTime', 'nonce', 'userId'].sort(),
    );
    expect(body).toMatchObject({ appId: 'app-rotation', clientType: 72, userId: 'user-1' });
    expect(request?.body).not.toContain(APP_KEY);
  });

  it('mints for an empty user id', async () => {
    const result = await client.mint(credentials, '', { requestId });
    expect(result.kind).toBe('minted');
    expect(sim.liveTokensOf('')).toHaveLength(1);
  });

  it('fails on a bad signature without retrying, and without quoting the App Key', async () => {
    // Act
    const result = await client.mint({ ...credentials, appKey: 'wrong-key' }, 'user-1', {
      requestId,
    });
    // Assess
    expect(result).toEqual({
      kind: 'failed',
      attempts: 1,
      upstreamMs: expect.any(Number),
      failure: 'http-401',
      upstreamStatus: 401,
      upstreamErrorCode: 'SIM.badSignature',
    });
    expect(sim.mintedTokens).toEqual([]);
  });

  it('drops an error code that carries the App Key', async () => {
    // Prepare
    sim.scriptMint({ status: 401, body: { error_code: `SIM.${APP_KEY}`, error_msg: APP_KEY } });
    // Act
    const result = await client.mint(credentials, 'user-1', { requestId });
    // Assess
    expect(result).toMatchObject({ kind: 'failed', failure: 'http-401', upstreamStatus: 401 });
    expect(result).not.toHaveProperty('upstreamErrorCode');
    expect(JSON.stringify(result)).not.toContain(APP_KEY);
  });

  it.each([
    ['429 (throttled at the gateway)', { status: 429 }],
    ['503 with Retry-After', { status: 503, headers: { 'Retry-After': '0' } }],
  ])('retries after %s, signing each attempt afresh, and mints once', async (_name, refusal) => {
    // Prepare
    sim.scriptMint([refusal, {}]);
    // Act
    const result = await client.mint(credentials, 'user-1', { requestId });
    // Assess
    expect(result).toMatchObject({ kind: 'minted', attempts: 2 });
    expect(sim.mintedTokens).toHaveLength(1);
    const nonces = appAuthRequests().map((r) => (JSON.parse(r.body) as { nonce: string }).nonce);
    expect(nonces).toHaveLength(2);
    expect(new Set(nonces).size).toBe(2);
    expect(appAuthRequests().every((r) => r.headers['x-request-id'] === requestId)).toBe(true);
  });

  it.each([
    ['500', { status: 500 }, 'http-500'],
    ['502', { status: 502 }, 'http-502'],
    ['503 without Retry-After', { status: 503 }, 'http-503'],
    ['408', { status: 408 }, 'http-408'],
  ])('does not retry %s: the mint may have happened', async (_name, answer, failure) => {
    // Prepare
    sim.scriptMint(answer);
    // Act
    const result = await client.mint(credentials, 'user-1', { requestId });
    // Assess
    expect(result).toMatchObject({ kind: 'failed', attempts: 1, failure });
    expect(appAuthRequests()).toHaveLength(1);
  });

  it('does not retry a timeout: Huawei minted a token the client never saw', async () => {
    // Prepare
    sim.scriptMint({ hang: true });
    // Act
    const result = await client.mint(credentials, 'user-1', { requestId });
    // Assess
    expect(result).toMatchObject({ kind: 'failed', attempts: 1, failure: 'timeout' });
    expect(appAuthRequests()).toHaveLength(1);
    expect(sim.mintedTokens).toHaveLength(1);
  });

  it('does not retry a reset after the request went out', async () => {
    sim.scriptMint({ reset: true });
    const result = await client.mint(credentials, 'user-1', { requestId });
    expect(result).toMatchObject({ kind: 'failed', attempts: 1 });
    expect(result.kind === 'failed' && result.failure).toMatch(/^E[A-Z]+$/);
    expect(appAuthRequests()).toHaveLength(1);
  });

  it('retries a refused connection (nothing reached Huawei) up to maxAttempts', async () => {
    // Prepare: a port that was just free, so nothing listens on it
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const offline = new MeetingClient({ ...options, baseUrl: `http://127.0.0.1:${port}` });
    // Act
    const result = await offline.mint(credentials, 'user-1', { requestId });
    offline.close();
    // Assess
    expect(result).toMatchObject({ kind: 'failed', attempts: 3, failure: 'ECONNREFUSED' });
  });

  it.each([
    ['no accessToken', { validPeriod: 43_200 }],
    ['no validPeriod', { accessToken: 'tok-without-lifetime' }],
    ['a zero validPeriod', { accessToken: 'tok-zero', validPeriod: 0 }],
    ['a token with a space', { accessToken: 'tok with space', validPeriod: 60 }],
    ['a body that is not JSON', '<html>ok</html>'],
  ])('fails a 200 answer with %s, without retrying', async (_name, body) => {
    // Prepare
    sim.scriptMint({ status: 200, body });
    // Act
    const result = await client.mint(credentials, 'user-1', { requestId });
    // Assess
    expect(result).toEqual({
      kind: 'failed',
      attempts: 1,
      upstreamMs: expect.any(Number),
      failure: 'invalid-answer',
      upstreamStatus: 200,
    });
    expect(JSON.stringify(result)).not.toContain('tok-');
  });

  it('fails a 200 answer whose body passes its size cap', async () => {
    sim.scriptMint({ status: 200, bodyBytes: 200 * 1024 });
    const result = await client.mint(credentials, 'user-1', { requestId });
    expect(result).toMatchObject({ kind: 'failed', failure: 'invalid-answer', attempts: 1 });
  });

  it('starts no attempt when the deadline leaves no room for one', async () => {
    const result = await client.mint(credentials, 'user-1', {
      requestId,
      deadline: Date.now() + 10,
    });
    expect(result).toMatchObject({ kind: 'failed', attempts: 0, failure: 'deadline' });
    expect(appAuthRequests()).toHaveLength(0);
  });

  it('uses a connection of its own for each mint, never a pooled one', async () => {
    // Prepare: warm the pool with a logout
    sim.addToken('tok-warm-pool-1');
    await client.logout('tok-warm-pool-1', { requestId });
    const before = sim.connectionsOpened;
    // Act
    await client.mint(credentials, 'user-1', { requestId });
    await client.mint(credentials, 'user-1', { requestId });
    // Assess
    expect(sim.connectionsOpened - before).toBe(2);
  });

  it('refuses unusable credentials before any request, naming the field only', async () => {
    const act = client.mint({ appId: 'app-rotation', appKey: '' }, 'user-1', { requestId });
    await expect(act).rejects.toThrow('appKey is empty');
    expect(appAuthRequests()).toHaveLength(0);
  });

  it('never puts the App Key or the new token in what it returns, but the token field', async () => {
    const result = await client.mint(credentials, 'user-1', { requestId });
    if (result.kind !== 'minted') throw new Error('not minted');
    const { token, ...rest } = result;
    expect(JSON.stringify(rest)).not.toContain(token);
    expect(JSON.stringify(result)).not.toContain(APP_KEY);
  });
});

describe('MeetingClient.validate against minted tokens', () => {
  it('is alive for a minted token, dead once it is logged out or pushed out by the cap', async () => {
    // Prepare
    const minted = await client.mint(credentials, 'user-2', { requestId });
    if (minted.kind !== 'minted') throw new Error('not minted');
    // Act
    const alive = await client.validate(minted.token, { requestId });
    await client.logout(minted.token, { requestId });
    const dead = await client.validate(minted.token, { requestId });
    // Assess
    expect(alive).toBe('alive');
    expect(dead).toBe('dead');
    const validateBodies = sim.requests
      .filter((r) => r.path === '/v1/usg/acs/token/validate')
      .map((r) => JSON.parse(r.body) as unknown);
    expect(validateBodies).toEqual([
      { token: minted.token, needGenNewToken: false },
      { token: minted.token, needGenNewToken: false },
    ]);
  });
});
