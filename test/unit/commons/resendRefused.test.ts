import { describe, expect, it } from 'vitest';
import { resendRefused } from '../../../lambda/commons/batches.js';

describe('resendRefused', () => {
  it('sends again only the refused entries, and stops once none is refused', async () => {
    // Prepare
    const calls: number[][] = [];
    const refusals = [[2, 3], [3], []];
    // Act
    const left = await resendRefused(
      [1, 2, 3, 4],
      async (pending) => {
        calls.push(pending);
        return pending.filter((n) => refusals[calls.length - 1]?.includes(n));
      },
      { attempts: 5 },
    );
    // Assess
    expect(calls).toEqual([[1, 2, 3, 4], [2, 3], [3]]);
    expect(left).toEqual([]);
  });

  it('returns what is still refused after the last attempt', async () => {
    // Prepare
    let calls = 0;
    // Act
    const left = await resendRefused(
      ['a', 'b'],
      async (pending) => {
        calls += 1;
        return pending.slice(1);
      },
      { attempts: 1 },
    );
    // Assess
    expect(calls).toBe(1);
    expect(left).toEqual(['b']);
  });

  it('counts a failed call as an attempt when told how to report it, and throws otherwise', async () => {
    // Prepare
    const failing = async (): Promise<string[]> => {
      throw new Error('ThrottlingException');
    };
    const reported: number[] = [];
    // Act
    const left = await resendRefused(['a'], failing, {
      attempts: 3,
      onError: (_error, attempt) => reported.push(attempt),
    });
    // Assess
    expect(reported).toEqual([1, 2, 3]);
    expect(left).toEqual(['a']);
    await expect(resendRefused(['a'], failing, { attempts: 3 })).rejects.toThrow(
      'ThrottlingException',
    );
  });

  it('waits the backoff before each resend, never before the first call', async () => {
    // Prepare
    const asked: number[] = [];
    // Act
    await resendRefused(['a'], async (pending) => pending, {
      attempts: 3,
      backoffMs: (attempt) => {
        asked.push(attempt);
        return 0;
      },
    });
    // Assess
    expect(asked).toEqual([2, 3]);
  });

  it('sends nothing for no entries', async () => {
    // Act
    const left = await resendRefused(
      [],
      async () => {
        throw new Error('called');
      },
      { attempts: 3 },
    );
    // Assess
    expect(left).toEqual([]);
  });
});
