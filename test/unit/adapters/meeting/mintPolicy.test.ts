import { describe, expect, it } from 'vitest';
import type { AttemptResult } from '../../../../lambda/adapters/meeting/classify.js';
import { mintRetryable } from '../../../../lambda/adapters/meeting/mintPolicy.js';

describe('mintRetryable', () => {
  it.each<[string, AttemptResult, boolean]>([
    ['connection refused', { kind: 'network', code: 'ECONNREFUSED', connected: false }, true],
    ['DNS failure', { kind: 'network', code: 'ENOTFOUND', connected: false }, true],
    ['timeout while connecting', { kind: 'timeout', connected: false }, true],
    ['429 throttled', { kind: 'response', status: 429 }, true],
    ['429 with Retry-After', { kind: 'response', status: 429, retryAfterMs: 2000 }, true],
    ['503 with Retry-After', { kind: 'response', status: 503, retryAfterMs: 0 }, true],
    // From here on the request may have reached Huawei and minted: a retry could cost a slot.
    ['reset after connecting', { kind: 'network', code: 'ECONNRESET', connected: true }, false],
    ['network fault, connection unknown', { kind: 'network', code: 'ECONNRESET' }, false],
    ['timeout after connecting', { kind: 'timeout', connected: true }, false],
    ['timeout, connection unknown', { kind: 'timeout' }, false],
    ['503 without Retry-After', { kind: 'response', status: 503 }, false],
    ['500', { kind: 'response', status: 500 }, false],
    ['502', { kind: 'response', status: 502 }, false],
    ['504', { kind: 'response', status: 504 }, false],
    ['408', { kind: 'response', status: 408 }, false],
    ['401 bad signature', { kind: 'response', status: 401 }, false],
    ['400', { kind: 'response', status: 400 }, false],
    ['200', { kind: 'response', status: 200, body: '{}' }, false],
    ['302', { kind: 'response', status: 302 }, false],
  ])('%s: %s', (_name, result, expected) => {
    expect(mintRetryable(result)).toBe(expected);
  });
});
