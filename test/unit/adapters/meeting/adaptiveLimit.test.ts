// The adaptive limit of upstream attempts: additive increase, multiplicative decrease on 429.
import { describe, expect, it } from 'vitest';
import {
  admit,
  afterServed,
  afterThrottled,
  DECREASE_FACTOR,
  INITIAL_LIMIT,
  initialLimit,
  type LimitState,
  mayAdmit,
  PROBE_WINDOWS,
} from '../../../../lambda/adapters/meeting/adaptiveLimit.js';

/** A state past slow start (a throttle seen long ago), at `limit` of `max`. */
const aimd = (limit: number, max: number): LimitState => ({
  ...initialLimit(max),
  limit,
  safe: limit,
  admitted: 1,
  lastDecrease: 1,
});

/** Admits `n` attempts and returns their tickets with the state after. */
const admitMany = (state: LimitState, n: number): [number[], LimitState] => {
  const tickets: number[] = [];
  let current = state;
  for (let i = 0; i < n; i += 1) {
    const [ticket, next] = admit(current);
    tickets.push(ticket);
    current = next;
  }
  return [tickets, current];
};

describe('initialLimit', () => {
  it('starts low (slow start), never above the configured concurrency, at least 1', () => {
    expect(initialLimit(32).limit).toBe(INITIAL_LIMIT);
    expect(initialLimit(32).max).toBe(32);
    expect(initialLimit(2).limit).toBe(2);
    expect(initialLimit(0).limit).toBe(1);
    expect(initialLimit(7.9).max).toBe(7);
  });

  it('doubles each window in slow start, up to the configured concurrency', () => {
    // Prepare
    let state = initialLimit(32);
    // Act: one window of 4 served attempts, then one of 8
    for (let i = 0; i < 4; i += 1) state = afterServed(state, state.limit);
    const afterOne = state.limit;
    for (let i = 0; i < 8; i += 1) state = afterServed(state, state.limit);
    for (let i = 0; i < 100; i += 1) state = afterServed(state, state.limit);
    // Assess
    expect(afterOne).toBe(8);
    expect(state.limit).toBe(32);
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
    // Prepare: cut from 8 to 6, then grown back to 8
    let state = afterThrottled(admitMany(aimd(8, 8), 8)[1], 2);
    expect(state.limit).toBe(6);
    state = { ...state, limit: 8 };
    // Act, Assess
    expect(mayAdmit(state, 6, false)).toBe(true);
    expect(mayAdmit(state, 6, true)).toBe(false);
    expect(mayAdmit(state, 5, true)).toBe(true);
  });
});

describe('afterThrottled', () => {
  it('cuts the limit by the decrease factor, never below 1', () => {
    // Prepare
    const [, state] = admitMany(aimd(32, 32), 32);
    // Act
    const cut = afterThrottled(state, 33);
    // Assess
    expect(cut.limit).toBe(Math.floor(32 * DECREASE_FACTOR));
    expect(cut.safe).toBe(cut.limit);
    let tiny = { ...initialLimit(1), admitted: 5 };
    tiny = afterThrottled(tiny, 5);
    expect(tiny.limit).toBe(1);
  });

  it('cuts once for all the attempts sent under the old limit', () => {
    // Prepare: 32 attempts sent at once, 24 of them throttled
    const [tickets, state] = admitMany(aimd(32, 32), 32);
    // Act
    let after = state;
    for (const ticket of tickets.slice(8)) after = afterThrottled(after, ticket);
    // Assess
    expect(after.limit).toBe(Math.floor(32 * DECREASE_FACTOR));
  });

  it('cuts again for an attempt sent after the cut', () => {
    // Prepare
    const [, sent] = admitMany(aimd(32, 32), 32);
    const once = afterThrottled(sent, 33);
    const [[later], again] = admitMany(once, 1);
    // Act
    const twice = afterThrottled(again, later!);
    // Assess
    expect(twice.limit).toBe(Math.floor(once.limit * DECREASE_FACTOR));
  });
});

describe('afterServed', () => {
  it('grows the limit by one per full window of successes, up to the configured concurrency', () => {
    // Prepare
    let state = aimd(4, 8);
    // Act: 3 successes are not a window of 4, the 4th is
    for (let i = 0; i < 3; i += 1) state = afterServed(state, 4);
    const before = state.limit;
    state = afterServed(state, 4);
    // Assess
    expect(before).toBe(4);
    expect(state.limit).toBe(5);
    for (let i = 0; i < 1000; i += 1) state = afterServed(state, state.limit);
    expect(state.limit).toBe(8);
  });

  it('climbs back fast to just below the level last throttled, then probes past it slowly', () => {
    // Prepare: throttled at 9, cut to 6
    const [, sent] = admitMany(aimd(9, 32), 9);
    let state = afterThrottled(sent, 10);
    expect(state.limit).toBe(6);
    const windowsTo = (target: number) => {
      let successes = 0;
      while (state.limit < target) {
        state = afterServed(state, state.limit);
        successes += 1;
      }
      return successes;
    };
    // Act, Assess: 6 -> 8 in one window each, 8 -> 9 in PROBE_WINDOWS windows
    expect(windowsTo(8)).toBe(6 + 7);
    expect(windowsTo(9)).toBe(8 * PROBE_WINDOWS);
  });

  it('grows nothing on successes while less than half the limit was used', () => {
    // Prepare
    let state = aimd(4, 8);
    // Act
    for (let i = 0; i < 100; i += 1) state = afterServed(state, 1);
    // Assess
    expect(state.limit).toBe(4);
  });

  it('converges below a hard limit of the upstream, in a sawtooth that never stays above it', () => {
    // Prepare: an upstream that throttles whatever exceeds 8 in flight; the client wants 32
    let state = initialLimit(32);
    let inFlight: number[] = [];
    const limits: number[] = [];
    // Act: rounds in which every admitted attempt finishes before the next round
    for (let round = 0; round < 200; round += 1) {
      inFlight = [];
      while (mayAdmit(state, inFlight.length, false)) {
        const [ticket, next] = admit(state);
        state = next;
        inFlight.push(ticket);
      }
      inFlight.forEach((ticket, i) => {
        state = i < 8 ? afterServed(state, inFlight.length - i) : afterThrottled(state, ticket);
      });
      limits.push(state.limit);
    }
    // Assess: after the first rounds the limit stays between the cut and one above the upstream's
    const settled = limits.slice(20);
    expect(Math.max(...settled)).toBeLessThanOrEqual(9);
    expect(Math.min(...settled)).toBeGreaterThanOrEqual(Math.floor(9 * DECREASE_FACTOR));
  });
});
