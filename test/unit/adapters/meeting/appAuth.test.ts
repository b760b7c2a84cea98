import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  API_CLIENT_TYPE,
  AppAuthInputError,
  appAuthRequest,
  authorizationHeader,
  expireTimeOf,
  NONCE_PATTERN,
  newNonce,
  SIGNATURE_LIFETIME_SECONDS,
  signature,
  stringToSign,
} from '../../../../lambda/adapters/meeting/appAuth.js';

const NONCE = 'abcdefghijklmnopqrstuvwxyz012345';
const credentials = { appId: 'app-123', appKey: 'key-xyz' };
// 2023-11-14T22:13:20Z
const NOW_MS = 1_700_000_000_000;

describe('stringToSign', () => {
  it('joins appId, userId, expireTime and nonce with colons', () => {
    expect(stringToSign('app-123', 'user-1', 1_700_000_600, NONCE)).toBe(
      `app-123:user-1:1700000600:${NONCE}`,
    );
  });

  it('keeps both colons around an empty user id', () => {
    expect(stringToSign('app-123', '', 1_700_000_600, NONCE)).toBe(`app-123::1700000600:${NONCE}`);
  });
});

describe('signature', () => {
  // Expected values computed independently: printf '...' | openssl dgst -sha256 -hmac KEY
  it.each([
    [
      'key-xyz',
      `app-123:user-1:1700000600:${NONCE}`,
      'ff83a1d1f94582fdc5dcd3f715fba574b0c367960eb5fa220ab1afc5a63056d9',
    ],
    [
      'key-xyz',
      `app-123::1700000600:${'A'.repeat(32)}`,
      '179324d4c236489639500911d041a912b32964c833b8b4ae57dc87eef068ee55',
    ],
    ['kéy', 'app:ü:1:n', '399a29b05cc46328ad0ab03bee8986d043a8ba46bf55d5560d05ab3f5ff4f908'],
  ])('is the lowercase hex HMAC-SHA256 keyed with the App Key (%s)', (key, data, expected) => {
    expect(signature(key, data)).toBe(expected);
  });

  it('is 64 lowercase hex characters', () => {
    expect(signature('k', 'd')).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('authorizationHeader', () => {
  it('carries the signature and base64 of the App ID', () => {
    expect(authorizationHeader('app-123', 'ab'.repeat(32))).toBe(
      `HMAC-SHA256 signature=${'ab'.repeat(32)},access=YXBwLTEyMw==`,
    );
  });

  it('encodes a non-ASCII App ID as UTF-8 before base64', () => {
    const header = authorizationHeader('äpp', '00');
    const access = header.split('access=')[1] ?? '';
    expect(Buffer.from(access, 'base64').toString('utf8')).toBe('äpp');
  });
});

describe('newNonce', () => {
  it('makes 32 characters of [A-Za-z0-9] by default', () => {
    const nonce = newNonce();
    expect(nonce).toHaveLength(32);
    expect(nonce).toMatch(NONCE_PATTERN);
  });

  it('accepts any length from 32 to 64 and refuses others', () => {
    expect(newNonce(64)).toHaveLength(64);
    for (const length of [31, 65, 0, 40.5]) {
      expect(() => newNonce(length)).toThrow(AppAuthInputError);
    }
  });

  it('draws every character of the alphabet from the picker', () => {
    // Prepare: a picker walking through every index
    let i = 0;
    const pick = (max: number) => i++ % max;
    // Act
    const nonce = newNonce(62, pick) + newNonce(32, () => 61);
    // Assess
    expect(nonce.slice(0, 62)).toBe(
      'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
    );
    expect(nonce.slice(62)).toBe('9'.repeat(32));
  });

  it('differs from call to call', () => {
    const nonces = new Set(Array.from({ length: 100 }, () => newNonce()));
    expect(nonces.size).toBe(100);
  });
});

describe('expireTimeOf', () => {
  it('is now + 600 s in whole Unix seconds', () => {
    expect(SIGNATURE_LIFETIME_SECONDS).toBe(600);
    expect(expireTimeOf(NOW_MS)).toBe(1_700_000_600);
    expect(expireTimeOf(NOW_MS + 999)).toBe(1_700_000_600);
  });
});

describe('appAuthRequest', () => {
  it('builds the headers and body Huawei expects', () => {
    // Act
    const { headers, body } = appAuthRequest(credentials, 'user-1', {
      nowMs: NOW_MS,
      nonce: NONCE,
    });
    // Assess
    expect(body).toEqual({
      appId: 'app-123',
      clientType: API_CLIENT_TYPE,
      userId: 'user-1',
      expireTime: 1_700_000_600,
      nonce: NONCE,
    });
    expect(body.clientType).toBe(72);
    expect(headers).toEqual({
      Authorization:
        'HMAC-SHA256 signature=ff83a1d1f94582fdc5dcd3f715fba574b0c367960eb5fa220ab1afc5a63056d9,access=YXBwLTEyMw==',
      'Content-Type': 'application/json; charset=UTF-8',
      'X-Token-Type': 'LongTicket',
    });
  });

  it('signs the empty-user-id form and sends userId as an empty string', () => {
    const { headers, body } = appAuthRequest(credentials, '', {
      nowMs: NOW_MS,
      nonce: 'A'.repeat(32),
    });
    expect(body.userId).toBe('');
    expect(headers['Authorization']).toContain(
      'signature=179324d4c236489639500911d041a912b32964c833b8b4ae57dc87eef068ee55',
    );
  });

  it('never sends corpId and never carries the App Key', () => {
    const request = appAuthRequest({ appId: 'app-123', appKey: 'very-secret-app-key' }, 'u');
    const text = JSON.stringify(request);
    expect(request.body).not.toHaveProperty('corpId');
    expect(text).not.toContain('very-secret-app-key');
  });

  it('makes a fresh nonce and an expiry of now + 600 s by default', () => {
    // Prepare
    const before = Math.floor(Date.now() / 1000) + 600;
    // Act
    const a = appAuthRequest(credentials, 'u');
    const b = appAuthRequest(credentials, 'u');
    // Assess
    const after = Math.floor(Date.now() / 1000) + 600;
    expect(a.body.nonce).toMatch(NONCE_PATTERN);
    expect(a.body.nonce).not.toBe(b.body.nonce);
    expect(a.body.expireTime).toBeGreaterThanOrEqual(before);
    expect(a.body.expireTime).toBeLessThanOrEqual(after);
    const expected = createHmac('sha256', 'key-xyz')
      .update(`app-123:u:${a.body.expireTime}:${a.body.nonce}`)
      .digest('hex');
    expect(a.headers['Authorization']).toContain(`signature=${expected},`);
  });

  it.each([
    [{ appId: '', appKey: 'k' }, 'u', NONCE, 'appId is empty'],
    [{ appId: 'a', appKey: '' }, 'u', NONCE, 'appKey is empty'],
    [{ appId: 'a:b', appKey: 'k' }, 'u', NONCE, 'must not contain'],
    [{ appId: 'a', appKey: 'k' }, 'u:v', NONCE, 'must not contain'],
    [{ appId: 'a', appKey: 'k' }, 'u', 'short', 'nonce must be'],
    [{ appId: 'a', appKey: 'k' }, 'u', `${NONCE.slice(1)}-`, 'nonce must be'],
    [{ appId: 'a', appKey: 'k' }, 'u', 'x'.repeat(65), 'nonce must be'],
  ])(
    'refuses unusable input %#, naming the field, not the value',
    (creds, userId, nonce, message) => {
      const act = () => appAuthRequest(creds, userId, { nowMs: NOW_MS, nonce });
      expect(act).toThrow(AppAuthInputError);
      expect(act).toThrow(message);
      try {
        act();
      } catch (error) {
        if (creds.appKey) expect((error as Error).message).not.toContain(creds.appKey);
      }
    },
  );

  it('refuses a user id that is not a string', () => {
    expect(() => appAuthRequest(credentials, 42 as unknown as string)).toThrow(AppAuthInputError);
  });
});
