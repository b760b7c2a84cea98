// Huawei's gateway throttles (429, Retry-After: 1) whatever exceeds K requests in flight: the
// built bundle's inline sweep, asking for 4 × K at once, adapts its concurrency and ends with
// every account revoked and none FAILED.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { scheduleEvent } from '../support/events.js';
import { type Harness, newToken, startHarness } from '../support/harness.js';
import { fakeContext } from '../support/lambdaContext.js';
import { allRecords } from '../support/records.js';

const K = 8;
const ACCOUNTS = 100;

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
beforeEach(async () => {
  await h.reset();
});
afterAll(async () => {
  delete process.env['SWEEP_CONCURRENCY'];
  await h.stop();
});

describe('sweep against a throttling upstream', () => {
  it(`shrinks below K = ${K} in flight on 429 answers and ends with no FAILED outcome`, async () => {
    // Prepare
    process.env['SWEEP_CONCURRENCY'] = String(4 * K);
    h.meeting.latencyMs = 150;
    h.meeting.throttleAbove = K;
    const tokens: string[] = [];
    for (let i = 0; i < ACCOUNTS; i += 1) {
      const token = newToken();
      tokens.push(token);
      h.addAccount(`thr-${String(i).padStart(4, '0')}`, token);
    }
    // Act
    const summary = await h.invoke(scheduleEvent(), fakeContext({ remainingMs: 120_000 }));
    // Assess: every account revoked and recorded, none FAILED
    expect(summary).toEqual({ processed: ACCOUNTS, outcomes: { REVOKED: ACCOUNTS } });
    expect(tokens.every((token) => !h.meeting.isLive(token))).toBe(true);
    const records = await allRecords(h);
    expect(records.filter((r) => r['outcome'] === 'FAILED')).toHaveLength(0);
    // The upstream did push back, and the sweep's concurrency fell below K there, before its tail
    expect(h.meeting.throttled).toBeGreaterThan(0);
    const arrivals = h.meeting.arrivals;
    const firstThrottle = arrivals.findIndex((a) => a.throttled);
    const middle = arrivals.slice(firstThrottle, Math.floor(arrivals.length * 0.75));
    expect(Math.min(...middle.map((a) => a.inFlight))).toBeLessThan(K);
    // Far fewer 429s than a sweep that kept 4 × K in flight would get (3 × K a round)
    expect(h.meeting.throttled).toBeLessThan(ACCOUNTS / 2);
    // The invocation says so, and how low it went
    const adapted = h.logs.find((line) => line.includes('its concurrency adapted'));
    expect(adapted).toBeDefined();
    expect(JSON.parse(adapted ?? '{}')).toMatchObject({ configuredConcurrency: 4 * K });
    expect(JSON.parse(adapted ?? '{}')['lowestConcurrency']).toBeLessThan(K);
  });
});
