import { describe, expect, it } from 'vitest';
import {
  backoffDelayMs,
  canStartAttempt,
  nextDelayMs,
  parseRetryAfterMs,
} from '../../../../lambda/adapters/meeting/retryPolicy.js';

describe('backoffDelayMs', () => {
  it('grows exponentially from the base with full jitter', () => {
    // Assess: random() = 1 gives the ceiling of each step
    expect(backoffDelayMs(1, 100, () => 0.999999)).toBe(99);
    expect(backoffDelayMs(2, 100, () => 0.999999)).toBe(199);
    expect(backoffDelayMs(3, 100, () => 0.999999)).toBe(399);
    expect(backoffDelayMs(1, 100, () => 0)).toBe(0);
    expect(backoffDelayMs(2, 100, () => 0.5)).toBe(100);
  });

  it('is capped at 2 s', () => {
    expect(backoffDelayMs(10, 100, () => 0.999999)).toBe(1999);
    expect(backoffDelayMs(50, 1000, () => 0.999999)).toBe(1999);
  });

  it('stays within [0, ceiling] for real randomness', () => {
    for (let i = 0; i < 1000; i += 1) {
      const delay = backoffDelayMs(3, 100);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(400);
    }
  });
});

describe('parseRetryAfterMs', () => {
  it('reads delta-seconds', () => {
    expect(parseRetryAfterMs('2')).toBe(2000);
    expect(parseRetryAfterMs(' 0 ')).toBe(0);
  });

  it('caps at 30 s', () => {
    expect(parseRetryAfterMs('120')).toBe(30_000);
  });

  it('reads an HTTP date relative to now', () => {
    const now = Date.parse('2026-11-25T12:00:00Z');
    expect(parseRetryAfterMs('Wed, 25 Nov 2026 12:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfterMs('Wed, 25 Nov 2026 11:00:00 GMT', now)).toBe(0);
  });

  it('ignores absent or unparseable values', () => {
    expect(parseRetryAfterMs(undefined)).toBeUndefined();
    expect(parseRetryAfterMs('soon')).toBeUndefined();
    expect(parseRetryAfterMs('-1')).toBeUndefined();
    expect(parseRetryAfterMs('1.5')).toBeUndefined();
  });
});

describe('nextDelayMs', () => {
  it('prefers the server Retry-After over the backoff', () => {
    expect(nextDelayMs(1, 100, 3000, () => 0.5)).toBe(3000);
    expect(nextDelayMs(1, 100, undefined, () => 0.5)).toBe(50);
  });
});

describe('canStartAttempt', () => {
  it('starts an attempt whose whole timeout fits before the deadline', () => {
    expect(canStartAttempt(1000, 0, 5000, 6000)).toBe(true);
    expect(canStartAttempt(1000, 100, 5000, 6000)).toBe(false);
    expect(canStartAttempt(1000, 0, 5000, 5999)).toBe(false);
  });

  it('has no limit without a deadline', () => {
    expect(canStartAttempt(1000, 30_000, 5000, undefined)).toBe(true);
  });
});
