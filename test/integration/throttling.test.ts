// Huawei's gateway throttles (429, Retry-After: 1) whatever exceeds K requests in flight: the
// built bundle's inline sweep, asking for 4 × K at once, comes down to K in flight, where the
// upstream accepts everything, and ends with every account revoked and none FAILED.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { scheduleEvent, sqsEvent } from '../support/events.js';
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

describe('a throttling upstream: the sweep and the work queue adapt', () => {
  it(`comes down to K = ${K} in flight on 429 answers and ends with no FAILED outcome`, async () => {
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
    // The upstream did push back, and the sweep settled at what it accepts: far fewer 429s than a
    // sweep that kept 4 × K in flight would get (3 × K a round), next to none in its second half
    expect(h.meeting.throttled).toBeGreaterThan(0);
    expect(h.meeting.throttled).toBeLessThan(ACCOUNTS / 5);
    const arrivals = h.meeting.arrivals;
    const secondHalf = arrivals.slice(Math.floor(arrivals.length / 2));
    expect(secondHalf.filter((a) => a.throttled).length).toBeLessThanOrEqual(3);
    expect(Math.max(...secondHalf.map((a) => a.inFlight))).toBeLessThanOrEqual(K + 2);
    // The invocation says so, and how low it went
    const adapted = h.logs.find((line) => line.includes('its concurrency adapted'));
    expect(adapted).toBeDefined();
    expect(JSON.parse(adapted ?? '{}')).toMatchObject({ configuredConcurrency: 4 * K });
    expect(JSON.parse(adapted ?? '{}')['lowestConcurrency']).toBeLessThanOrEqual(K);
  });

  it(`gates a work-queue batch the same way: one gate for its ${ACCOUNTS} messages, none FAILED`, async () => {
    // Prepare
    process.env['SWEEP_CONCURRENCY'] = String(4 * K);
    h.meeting.latencyMs = 150;
    h.meeting.throttleAbove = K;
    const messages = Array.from({ length: ACCOUNTS }, (_, i) => {
      const accountId = `wq-${String(i).padStart(4, '0')}`;
      h.addAccount(accountId, newToken());
      return {
        messageId: `m-${i}`,
        body: { accountId, trigger: 'schedule', requestId: crypto.randomUUID() },
      };
    });
    // Act
    const answer = await h.invoke(sqsEvent(messages), fakeContext({ remainingMs: 120_000 }));
    // Assess: every message succeeded, though all were handed over at once
    expect(answer).toEqual({ batchItemFailures: [] });
    const records = await allRecords(h);
    expect(records.filter((r) => r['outcome'] === 'REVOKED')).toHaveLength(ACCOUNTS);
    // Never the whole batch at the upstream at once: the gate held it near K
    expect(h.meeting.maxInFlight).toBeLessThan(2 * K);
    expect(h.meeting.throttled).toBeLessThan(ACCOUNTS / 5);
    const adapted = h.logs.find((line) => line.includes('its concurrency adapted'));
    expect(JSON.parse(adapted ?? '{}')['lowestConcurrency']).toBeLessThanOrEqual(K);
  });
});
