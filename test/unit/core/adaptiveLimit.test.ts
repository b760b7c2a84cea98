// The adaptive limit of upstream attempts: slow start, a decrease to what the upstream accepted
// on 429, and rare, time-based probing past the level it last throttled.
import { describe, expect, it } from 'vitest';
import {
  type Admission,
  admit,
  afterServed,
  afterThrottled,
  DEFAULT_RETRY_AFTER_MS,
  FLOOR_FACTOR,
  INITIAL_LIMIT,
  initialLimit,
  type LimitState,
  mayAdmit,
  PROBE_PERIODS,
} from '../../../lambda/core/adaptiveLimit.js';

/** A state past slow start, at `limit` of `max`, never throttled yet. */
const aimd = (limit: number, max: number): LimitState => ({
  ...initialLimit(max),
  limit,
  safe: limit,
  admitted: 1,
  lastDecrease: 1,
});

/** Admits `n` attempts at once (the first with nothing else in flight). */
const admitMany = (state: LimitState, n: number): [Admission[], LimitState] => {
  const admissions: Admission[] = [];
  let current = state;
  for (let i = 0; i < n; i += 1) {
    const [admission, next] = admit(current, i);
    admissions.push(admission);
    current = next;
  }
  return [admissions, current];
};

/** Serves successes (each with the limit in use) until the limit reaches `target` or `cap` runs out. */
const serveUntil = (state: LimitState, target: number, now: number, cap = 10_000) => {
  let current = state;
  let served = 0;
  while (current.limit < target && served < cap) {
    current = afterServed(current, current.limit, now);
    served += 1;
  }
  return { state: current, served };
};

describe('initialLimit', () => {
  it('starts at the default concurrency (slow start above it), never above the configured one, at least 1', () => {
    expect(INITIAL_LIMIT).toBe(8);
    expect(initialLimit(8).limit).toBe(8);
    expect(initialLimit(32).limit).toBe(INITIAL_LIMIT);
    expect(initialLimit(32).max).toBe(32);
    expect(initialLimit(2).limit).toBe(2);
    expect(initialLimit(0).limit).toBe(1);
    expect(initialLimit(7.9).max).toBe(7);
  });

  it('doubles each window in slow start, up to the configured concurrency', () => {
    // Prepare
    let state = initialLimit(32);
    // Act: one window of 8 served attempts, then one of 16
    for (let i = 0; i < 8; i += 1) state = afterServed(state, state.limit, 0);
    const afterOne = state.limit;
    for (let i = 0; i < 16; i += 1) state = afterServed(state, state.limit, 0);
    const afterTwo = state.limit;
    for (let i = 0; i < 100; i += 1) state = afterServed(state, state.limit, 0);
    // Assess
    expect(afterOne).toBe(16);
    expect(afterTwo).toBe(32);
    expect(state.limit).toBe(32);
  });
});

describe('admit', () => {
  it('numbers the admitted attempts and says how many were in flight with each', () => {
    const [admissions, state] = admitMany(initialLimit(8), 3);
    expect(admissions).toEqual([
      { ticket: 1, inFlight: 1 },
      { ticket: 2, inFlight: 2 },
      { ticket: 3, inFlight: 3 },
    ]);
    expect(state.admitted).toBe(3);
  });
});

describe('mayAdmit', () => {
  it('admits below the limit and not at it', () => {
    // Prepare
    const state = initialLimit(4);
    // Act, Assess
    expect(mayAdmit(state, 3, false)).toBe(true);
    expect(mayAdmit(state, 4, false)).toBe(false);
  });

  it('admits the retry of a throttled attempt only below the safe level', () => {
    // Prepare: the 7th of 8 attempts throttled: cut to 6, then grown back to 8
    const [admissions, sent] = admitMany(aimd(8, 8), 8);
    let state = afterThrottled(sent, admissions[6]!, 0);
    expect(state.limit).toBe(6);
    state = { ...state, limit: 8 };
    // Act, Assess
    expect(mayAdmit(state, 6, false)).toBe(true);
    expect(mayAdmit(state, 6, true)).toBe(false);
    expect(mayAdmit(state, 5, true)).toBe(true);
  });
});

describe('afterThrottled', () => {
  it('comes down to the attempts the upstream accepted when the throttled one was admitted', () => {
    // Prepare: 12 in flight; the 9th was the first to be throttled
    const [admissions, sent] = admitMany(aimd(12, 32), 12);
    // Act
    const cut = afterThrottled(sent, admissions[8]!, 0);
    // Assess: 8 accepted
    expect(cut.limit).toBe(8);
    expect(cut.safe).toBe(8);
    expect(cut.ceiling).toBe(9);
  });

  it('counts only the attempts still unanswered when told: answers on their way back are not upstream', () => {
    // Prepare: 12 in flight; the 10th throttled, with only 7 of the 9 before it still unanswered
    const [admissions, sent] = admitMany(aimd(12, 32), 12);
    // Act
    const cut = afterThrottled(sent, admissions[9]!, 0, 1_000, 7);
    // Assess
    expect(cut.limit).toBe(7);
    expect(cut.ceiling).toBe(8);
    // Never more than were in flight when it was admitted
    expect(afterThrottled(sent, admissions[8]!, 0, 1_000, 11).limit).toBe(8);
  });

  it('never goes below its multiplicative floor, nor below 1, nor up', () => {
    // Prepare
    const [admissions, sent] = admitMany(aimd(32, 32), 32);
    // Act: throttled with only one other in flight (another client crowded the upstream)
    const cut = afterThrottled(sent, admissions[1]!, 0);
    // Assess
    expect(cut.limit).toBe(Math.floor(32 * FLOOR_FACTOR));
    const [[one], tiny] = admitMany({ ...initialLimit(1), admitted: 4, lastDecrease: 4 }, 1);
    expect(afterThrottled(tiny, one!, 0).limit).toBe(1);
    // An attempt admitted above a limit since lowered does not raise it
    const lowered = { ...sent, limit: 6 };
    expect(afterThrottled(lowered, admissions[20]!, 0).limit).toBe(6);
  });

  it('cuts once for all the attempts sent under the old limit', () => {
    // Prepare: 32 attempts sent at once, the 24 above 8 throttled, answered in any order
    const [admissions, state] = admitMany(aimd(32, 32), 32);
    // Act
    let after = state;
    for (const admission of admissions.slice(8).reverse())
      after = afterThrottled(after, admission, 0);
    // Assess: the first answer decided (31 accepted, as far as the client could tell)
    expect(after.limit).toBe(31);
    // Its cut holds for the whole window; the next windows' first throttled attempts cut again,
    // no more than the floor each, down to what the upstream accepts
    const [next, again] = admitMany(after, 10);
    const second = afterThrottled(again, next[8]!, 0);
    expect(second.limit).toBe(Math.floor(31 * FLOOR_FACTOR));
    const [last, third] = admitMany(second, 10);
    expect(afterThrottled(third, last[8]!, 0).limit).toBe(8);
  });

  it('costs a failed probe one step', () => {
    // Prepare: settled at 8 below an upstream throttled at 9, then probing at 9
    const [first, sent] = admitMany(aimd(12, 32), 12);
    let state = afterThrottled(sent, first[8]!, 0);
    state = { ...state, limit: 9 };
    const [probe, probing] = admitMany(state, 9);
    // Act
    const after = afterThrottled(probing, probe[8]!, 10_000);
    // Assess
    expect(after.limit).toBe(8);
  });
});

describe('afterServed', () => {
  it('grows the limit by one per full window of successes, up to the configured concurrency', () => {
    // Prepare
    let state = aimd(4, 8);
    // Act: 3 successes are not a window of 4, the 4th is
    for (let i = 0; i < 3; i += 1) state = afterServed(state, 4, 0);
    const before = state.limit;
    state = afterServed(state, 4, 0);
    // Assess
    expect(before).toBe(4);
    expect(state.limit).toBe(5);
    for (let i = 0; i < 1000; i += 1) state = afterServed(state, state.limit, 0);
    expect(state.limit).toBe(8);
  });

  it('grows back to the level last throttled only after PROBE_PERIODS Retry-After periods, then one step an interval', () => {
    // Prepare: throttled at 9 in flight at t = 0 with Retry-After 2 s: cut to 8
    const [admissions, sent] = admitMany(aimd(12, 32), 12);
    const state = afterThrottled(sent, admissions[8]!, 0, 2_000);
    const interval = PROBE_PERIODS * 2_000;
    // Act, Assess: no probe within the interval, however many successes
    expect(serveUntil(state, 9, interval - 1).state.limit).toBe(8);
    const probed = serveUntil(state, 9, interval);
    expect(probed.state.limit).toBe(9);
    expect(probed.served).toBe(8);
    // Past the throttled level too: one step per interval
    expect(serveUntil(probed.state, 10, interval + 1).state.limit).toBe(9);
    expect(serveUntil(probed.state, 10, 2 * interval).state.limit).toBe(10);
  });

  it('keeps a full window waiting for its probe, and grows at the first success once it is time', () => {
    const [admissions, sent] = admitMany(aimd(12, 32), 12);
    const waiting = serveUntil(afterThrottled(sent, admissions[8]!, 0), 9, 0, 50).state;
    expect(waiting.limit).toBe(8);
    expect(afterServed(waiting, 8, PROBE_PERIODS * DEFAULT_RETRY_AFTER_MS).limit).toBe(9);
  });

  it('grows nothing on successes while less than half the limit was used', () => {
    // Prepare
    let state = aimd(4, 8);
    // Act
    for (let i = 0; i < 100; i += 1) state = afterServed(state, 1, 0);
    // Assess
    expect(state.limit).toBe(4);
  });

  it('settles at a hard limit of the upstream, throttled about once a probe interval', () => {
    // Prepare: an upstream that throttles whatever exceeds 8 in flight; the client wants 32;
    // rounds of 50 ms in which every admitted attempt finishes, the 429s answered first
    let state = initialLimit(32);
    const limits: number[] = [];
    let throttled = 0;
    const rounds = 400;
    // Act
    for (let round = 0; round < rounds; round += 1) {
      const now = round * 50;
      const admitted: Admission[] = [];
      while (mayAdmit(state, admitted.length, false)) {
        const [admission, next] = admit(state, admitted.length);
        state = next;
        admitted.push(admission);
      }
      for (const admission of admitted.filter((a) => a.inFlight > 8)) {
        state = afterThrottled(state, admission, now);
        if (round >= 10) throttled += 1;
      }
      admitted
        .filter((a) => a.inFlight <= 8)
        .forEach((_, i, served) => {
          state = afterServed(state, served.length - i, now);
        });
      limits.push(state.limit);
    }
    // Assess: at the upstream's limit after the first rounds, a probe one above it now and then
    const settled = limits.slice(10);
    expect(Math.min(...settled)).toBe(8);
    expect(Math.max(...settled)).toBeLessThanOrEqual(9);
    expect(settled.filter((limit) => limit === 8).length).toBeGreaterThan(settled.length * 0.9);
    const intervals = (rounds * 50) / (PROBE_PERIODS * DEFAULT_RETRY_AFTER_MS);
    expect(throttled).toBeLessThanOrEqual(intervals + 1);
  });
});
