// Huawei Cloud Meeting App ID authentication (POST /v2/usg/acs/auth/appauth), as pure functions:
// the string to sign, its HMAC-SHA256, the Authorization header and the request it goes with.
// The App Key is only ever an HMAC key here: no function returns it or puts it in an error.

import { createHmac, randomInt } from 'node:crypto';
import { RevokerError } from '../../commons/errors.js';

export const APP_AUTH_PATH = '/v2/usg/acs/auth/appauth';
/** Huawei's client type for API callers; the only type that may hold 64 tokens per user id. */
export const API_CLIENT_TYPE = 72;
/** How long a signature stays good: the Python SDK's choice, ten minutes. */
export const SIGNATURE_LIFETIME_SECONDS = 600;
export const NONCE_LENGTH = 32;
/** Huawei's rule for a nonce: 32 to 64 characters of letters and digits. */
export const NONCE_PATTERN = /^[A-Za-z0-9]{32,64}$/;

const NONCE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export interface AppCredentials {
  appId: string;
  appKey: string;
}

export interface AppAuthBody {
  appId: string;
  clientType: typeof API_CLIENT_TYPE;
  userId: string;
  expireTime: number;
  nonce: string;
}

export interface AppAuthRequest {
  headers: Record<string, string>;
  body: AppAuthBody;
}

/** Thrown for unusable input; the message names the field, never its value. */
export class AppAuthInputError extends RevokerError {
  override name = 'AppAuthInputError';
}

/**
 * `appId:userId:expireTime:nonce`. An empty user id keeps both colons (`appId::expireTime:nonce`),
 * as Huawei's SDKs sign it.
 */
export const stringToSign = (
  appId: string,
  userId: string,
  expireTime: number,
  nonce: string,
): string => `${appId}:${userId}:${expireTime}:${nonce}`;

/** Lowercase hex HMAC-SHA256 of `data` (UTF-8), keyed with the App Key (UTF-8). */
export const signature = (appKey: string, data: string): string =>
  createHmac('sha256', Buffer.from(appKey, 'utf8')).update(data, 'utf8').digest('hex');

/** `HMAC-SHA256 signature=<hex>,access=<base64(appId)>`. */
export const authorizationHeader = (appId: string, hexSignature: string): string =>
  `HMAC-SHA256 signature=${hexSignature},access=${Buffer.from(appId, 'utf8').toString('base64')}`;

/** A fresh nonce: `length` characters drawn uniformly from [A-Za-z0-9] (crypto.randomInt). */
export const newNonce = (
  length: number = NONCE_LENGTH,
  pick: (max: number) => number = randomInt,
): string => {
  if (!Number.isInteger(length) || length < 32 || length > 64) {
    throw new AppAuthInputError('nonce length must be a whole number from 32 to 64');
  }
  let nonce = '';
  for (let i = 0; i < length; i += 1) nonce += NONCE_ALPHABET[pick(NONCE_ALPHABET.length)];
  return nonce;
};

/** Unix seconds when a signature made at `nowMs` stops being accepted. */
export const expireTimeOf = (nowMs: number): number =>
  Math.floor(nowMs / 1000) + SIGNATURE_LIFETIME_SECONDS;

/**
 * The headers and body of one App ID authentication for `userId` (possibly empty). `corpId` is
 * never sent: it belongs to service-provider mode only, and in single-enterprise mode fails the
 * authentication.
 */
export const appAuthRequest = (
  { appId, appKey }: AppCredentials,
  userId: string,
  { nowMs = Date.now(), nonce = newNonce() }: { nowMs?: number; nonce?: string } = {},
): AppAuthRequest => {
  if (typeof appId !== 'string' || appId === '') throw new AppAuthInputError('appId is empty');
  if (typeof appKey !== 'string' || appKey === '') throw new AppAuthInputError('appKey is empty');
  if (typeof userId !== 'string') throw new AppAuthInputError('userId is not a string');
  // A colon would let two different (userId, expireTime) pairs sign the same string.
  if (appId.includes(':') || userId.includes(':')) {
    throw new AppAuthInputError('appId and userId must not contain ":"');
  }
  if (!NONCE_PATTERN.test(nonce)) {
    throw new AppAuthInputError('nonce must be 32 to 64 characters of [A-Za-z0-9]');
  }
  const expireTime = expireTimeOf(nowMs);
  const hex = signature(appKey, stringToSign(appId, userId, expireTime, nonce));
  return {
    headers: {
      Authorization: authorizationHeader(appId, hex),
      'Content-Type': 'application/json; charset=UTF-8',
      'X-Token-Type': 'LongTicket',
    },
    body: { appId, clientType: API_CLIENT_TYPE, userId, expireTime, nonce },
  };
};
