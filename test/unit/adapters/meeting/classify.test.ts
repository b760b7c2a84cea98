import { describe, expect, it } from 'vitest';
import { classify } from '../../../../lambda/adapters/meeting/classify.js';

describe('classify', () => {
  it.each([
    [200, 'REVOKED', false],
    [204, 'REVOKED', false],
    [401, 'ALREADY_INVALID', false],
    [400, 'REJECTED', false],
    [403, 'REJECTED', false],
    [404, 'REJECTED', false],
    [409, 'REJECTED', false],
    [422, 'REJECTED', false],
    [408, 'FAILED', true],
    [429, 'FAILED', true],
    [500, 'FAILED', true],
    [502, 'FAILED', true],
    [503, 'FAILED', true],
    [504, 'FAILED', true],
    [599, 'FAILED', true],
  ])('classifies HTTP %i as %s (retryable: %s)', (status, outcome, retryable) => {
    // Act
    const result = classify({ kind: 'response', status });
    // Assess
    expect(result).toEqual({ outcome, retryable });
  });

  it('treats a redirect as a failure not worth repeating (the token must not follow it)', () => {
    expect(classify({ kind: 'response', status: 302 })).toEqual({
      outcome: 'FAILED',
      retryable: false,
    });
  });

  it('treats a network error as a retryable failure', () => {
    expect(classify({ kind: 'network', code: 'ECONNRESET' })).toEqual({
      outcome: 'FAILED',
      retryable: true,
    });
  });

  it('treats a timeout as a retryable failure', () => {
    expect(classify({ kind: 'timeout' })).toEqual({ outcome: 'FAILED', retryable: true });
  });
});
