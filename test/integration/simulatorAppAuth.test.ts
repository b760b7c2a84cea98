// The simulator's side of App ID authentication, validate and refresh, over real HTTP: what a
// rotation relies on Huawei to check and to answer.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MeetingSimulator, TOKENS_PER_USER } from '../../local/MeetingSimulator.js';

let sim: MeetingSimulator;
const APP_ID = 'sim-app-1';
const APP_KEY = 'sim-app-key-0123456789';
let nonceCounter = 0;

interface SignOptions {
  appId?: string;
  appKey?: string;
  userId?: string;
  expireTime?: number;
  nonce?: string;
  access?: string;
  extra?: Record<string, unknown>;
  signal?: AbortSignal;
}

/** Signed by hand (not with the project's signer), so that both are checked against each other. */
const appAuth = (options: SignOptions = {}) => {
  const appId = options.appId ?? APP_ID;
  const userId = options.userId ?? 'user-1';
  const expireTime = options.expireTime ?? Math.floor(Date.now() / 1000) + 600;
  nonceCounter += 1;
  const nonce = options.nonce ?? `n${String(nonceCounter).padStart(31, '0')}`;
  const signature = createHmac('sha256', options.appKey ?? APP_KEY)
    .update(`${appId}:${userId}:${expireTime}:${nonce}`)
    .digest('hex');
  const access = options.access ?? Buffer.from(appId).toString('base64');
  return fetch(`${sim.baseUrl}/v2/usg/acs/auth/appauth`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json; charset=UTF-8',
      'x-token-type': 'LongTicket',
      authorization: `HMAC-SHA256 signature=${signature},access=${access}`,
    },
    body: JSON.stringify({ appId, clientType: 72, userId, expireTime, nonce, ...options.extra }),
    ...(options.signal ? { signal: options.signal } : {}),
  });
};

const validate = (token: string) =>
  fetch(`${sim.baseUrl}/v1/usg/acs/token/validate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token, needGenNewToken: false }),
  });

const errorCodeOf = async (response: Response) =>
  ((await response.json()) as { error_code: string }).error_code;

beforeAll(async () => {
  sim = await MeetingSimulator.start();
});
beforeEach(() => {
  sim.reset();
  sim.addApp(APP_ID, APP_KEY);
});
afterAll(async () => {
  await sim.stop();
});

describe('MeetingSimulator App ID authentication', () => {
  it('mints a live token for a correctly signed request', async () => {
    // Act
    const response = await appAuth({ userId: 'user-1' });
    const answer = (await response.json()) as Record<string, unknown>;
    // Assess
    expect(response.status).toBe(200);
    expect(answer).toMatchObject({
      validPeriod: 43_200,
      clientType: 72,
      user: { userId: 'user-1' },
    });
    const token = answer['accessToken'] as string;
    expect(token).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(sim.isLive(token)).toBe(true);
    expect(sim.liveTokensOf('user-1')).toEqual([token]);
    expect(sim.mintedTokens).toEqual([token]);
  });

  it('accepts the empty-user-id form (appId::expireTime:nonce)', async () => {
    const response = await appAuth({ userId: '' });
    expect(response.status).toBe(200);
    expect(sim.liveTokensOf('')).toHaveLength(1);
  });

  it.each<[string, SignOptions, number, string]>([
    ['a signature made with another key', { appKey: 'wrong-key' }, 401, 'SIM.badSignature'],
    ['a signature over another user id', { extra: { userId: 'user-2' } }, 401, 'SIM.badSignature'],
    ['an unknown App ID', { appId: 'nobody' }, 401, 'SIM.unknownApp'],
    [
      'access naming another App ID than the body',
      { access: Buffer.from('other').toString('base64') },
      401,
      'SIM.unknownApp',
    ],
    [
      'an expired signature',
      { expireTime: Math.floor(Date.now() / 1000) - 1 },
      401,
      'SIM.signatureExpired',
    ],
    [
      'a corpId in single-enterprise mode',
      { extra: { corpId: 'c1' } },
      401,
      'SIM.corpIdNotAllowed',
    ],
    ['another client type', { extra: { clientType: 0 } }, 400, 'SIM.unsupportedClientType'],
    ['a short nonce', { nonce: 'short' }, 400, 'SIM.badNonce'],
    ['a nonce with other characters', { nonce: `${'a'.repeat(31)}-` }, 400, 'SIM.badNonce'],
    ['a body without expireTime', { extra: { expireTime: 'soon' } }, 400, 'USG.000000001'],
  ])('refuses %s and mints nothing', async (_name, options, status, code) => {
    // Act
    const response = await appAuth(options);
    // Assess
    expect(response.status).toBe(status);
    expect(await errorCodeOf(response)).toBe(code);
    expect(sim.mintedTokens).toEqual([]);
  });

  it('refuses a malformed Authorization header', async () => {
    const response = await fetch(`${sim.baseUrl}/v2/usg/acs/auth/appauth`, {
      method: 'POST',
      headers: { authorization: 'Basic abc', 'content-type': 'application/json' },
      body: JSON.stringify({
        appId: APP_ID,
        clientType: 72,
        userId: 'u',
        expireTime: 0,
        nonce: 'a'.repeat(32),
      }),
    });
    expect(response.status).toBe(401);
    expect(await errorCodeOf(response)).toBe('SIM.badAuthorization');
  });

  it('accepts expireTime 0 (a signature that never expires)', async () => {
    expect((await appAuth({ expireTime: 0 })).status).toBe(200);
  });

  it('refuses a nonce used before with the same App ID', async () => {
    // Prepare
    const nonce = 'R'.repeat(40);
    // Act
    const first = await appAuth({ nonce });
    const replay = await appAuth({ nonce });
    // Assess
    expect(first.status).toBe(200);
    expect(replay.status).toBe(401);
    expect(await errorCodeOf(replay)).toBe('SIM.nonceReused');
    expect(sim.mintedTokens).toHaveLength(1);
  });

  it(`holds at most ${TOKENS_PER_USER} live tokens per user id: a 65th kills the oldest`, async () => {
    // Act
    const tokens: string[] = [];
    for (let i = 0; i < TOKENS_PER_USER + 1; i += 1) {
      const answer = (await (await appAuth({ userId: 'capped' })).json()) as {
        accessToken: string;
      };
      tokens.push(answer.accessToken);
    }
    const other = (await (await appAuth({ userId: 'other' })).json()) as { accessToken: string };
    // Assess
    expect(TOKENS_PER_USER).toBe(64);
    expect(sim.isLive(tokens[0] as string)).toBe(false);
    expect(tokens.slice(1).every((token) => sim.isLive(token))).toBe(true);
    expect(sim.liveTokensOf('capped')).toEqual(tokens.slice(1));
    expect(sim.isLive(other.accessToken)).toBe(true);
    expect((await validate(tokens[0] as string)).status).toBe(401);
  });

  it('counts only live tokens against the cap: a logged-out token frees its slot', async () => {
    // Prepare
    const first = ((await (await appAuth()).json()) as { accessToken: string }).accessToken;
    await fetch(`${sim.baseUrl}/v1/usg/acs/token`, {
      method: 'DELETE',
      headers: { 'x-access-token': first },
    });
    // Act
    for (let i = 0; i < TOKENS_PER_USER; i += 1) await appAuth();
    // Assess
    expect(sim.liveTokensOf('user-1')).toHaveLength(TOKENS_PER_USER);
  });

  it('plays scripted answers: a status mints nothing, a hang mints and never answers', async () => {
    // Prepare
    sim.scriptMint([{ status: 503, headers: { 'Retry-After': '1' } }, { hang: true }]);
    // Act
    const busy = await appAuth();
    const hung = await appAuth({ signal: AbortSignal.timeout(300) }).catch(
      (error: unknown) => error,
    );
    // Assess
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toBe('1');
    expect(hung).toBeInstanceOf(Error);
    expect(sim.mintedTokens).toHaveLength(1);
  });
});

describe('MeetingSimulator validate and refresh', () => {
  it("answers validate with Huawei's shape: the user nested, the token not echoed", async () => {
    // Prepare
    const minted = (
      (await (await appAuth({ userId: 'user-9' })).json()) as {
        accessToken: string;
      }
    ).accessToken;
    // Act
    const response = await validate(minted);
    const text = await response.text();
    // Assess
    expect(response.status).toBe(200);
    expect(text).not.toContain(minted);
    const answer = JSON.parse(text) as Record<string, unknown>;
    expect(answer).toMatchObject({
      validPeriod: 43_200,
      clientType: 72,
      user: { userId: 'user-9' },
    });
    expect(answer).not.toHaveProperty('userId');
    expect(typeof answer['expireTime']).toBe('number');
    expect(typeof answer['createTime']).toBe('number');
  });

  it('refreshes a live token with PUT /v1/usg/acs/token and refuses a dead one', async () => {
    // Prepare
    sim.addToken('tok-refresh-live');
    const put = (token: string) =>
      fetch(`${sim.baseUrl}/v1/usg/acs/token`, {
        method: 'PUT',
        headers: { 'x-access-token': token },
      });
    // Act
    const live = await put('tok-refresh-live');
    const liveText = await live.text();
    const dead = await put('tok-never-seen');
    const missing = await fetch(`${sim.baseUrl}/v1/usg/acs/token`, { method: 'PUT' });
    // Assess
    expect(live.status).toBe(200);
    expect(liveText).not.toContain('tok-refresh-live');
    expect(JSON.parse(liveText)).toMatchObject({ validPeriod: 3600, user: { userId: 'sim-user' } });
    expect(dead.status).toBe(401);
    expect(await errorCodeOf(dead)).toBe('USG.000000004');
    expect(missing.status).toBe(400);
    expect(sim.isLive('tok-refresh-live')).toBe(true);
  });

  it('still answers 405 for methods Huawei does not serve on the token path', async () => {
    const response = await fetch(`${sim.baseUrl}/v1/usg/acs/token`, { method: 'PATCH' });
    expect(response.status).toBe(405);
    const appAuthGet = await fetch(`${sim.baseUrl}/v2/usg/acs/auth/appauth`);
    expect(appAuthGet.status).toBe(405);
  });
});
