// How many upstream attempts one invocation lets run at once: additive increase, multiplicative
// decrease (AIMD), driven by Huawei's throttling answers (429), with slower probing at and above
// the level last throttled. Pure: the state goes in, the next
// state comes out; AttemptGate.ts applies it to real attempts.

/** The limit shrinks to this share of itself on a throttled attempt. */
export const DECREASE_FACTOR = 0.75;
/**
 * At or above the level that was last throttled, growing by one takes this many windows instead
 * of one: the limit climbs back fast to just below where the upstream pushed back, then probes
 * past it rarely, so that few attempts (each costing its account a Retry-After) are throttled.
 */
export const PROBE_WINDOWS = 8;
/**
 * Slow start, as TCP's: the limit starts here (or at `max`, when lower) and grows by one per
 * attempt served, doubling each window, until the first throttled attempt; then it is AIMD. A
 * sweep reaches its configured concurrency within a few round trips without a first burst of
 * `max` attempts at an upstream that may refuse most of them.
 */
export const INITIAL_LIMIT = 4;

export interface LimitState {
  /** Attempts allowed in flight at once: between 1 and `max`. */
  limit: number;
  /** The configured concurrency (SWEEP_CONCURRENCY): the limit never grows past it. */
  max: number;
  /**
   * The limit set by the last decrease: a level the upstream accepted. The retry of a throttled
   * attempt is admitted only below it, so that it does not probe, and is not throttled again.
   */
  safe: number;
  /** Successes counted towards the next +1 (one per full window of `limit` successes). */
  credit: number;
  /** The limit at the last throttled attempt (above `max` until one): growth slows below it. */
  ceiling: number;
  /** Attempts admitted so far: each admitted attempt gets the next number as its ticket. */
  admitted: number;
  /**
   * The `admitted` count at the last decrease. A throttled attempt admitted before it was sent
   * under the old limit, which was already cut for it: one cut per window, as TCP does.
   */
  lastDecrease: number;
}

export const initialLimit = (max: number): LimitState => {
  const top = Math.max(1, Math.floor(max));
  return {
    limit: Math.min(top, INITIAL_LIMIT),
    max: top,
    safe: top,
    credit: 0,
    ceiling: top + 1,
    admitted: 0,
    lastDecrease: 0,
  };
};

/** Whether one more attempt may start with `inFlight` running; a throttled one's retry stays at the safe level. */
export const mayAdmit = (state: LimitState, inFlight: number, retryOfThrottled: boolean): boolean =>
  inFlight < (retryOfThrottled ? Math.min(state.limit, state.safe) : state.limit);

/** Admits an attempt: returns its ticket and the state counting it. */
export const admit = (state: LimitState): [ticket: number, next: LimitState] => {
  const ticket = state.admitted + 1;
  return [ticket, { ...state, admitted: ticket }];
};

/**
 * An attempt the upstream served (any answer but 429): +1 once a whole window has succeeded.
 * `inFlight` counts the attempts in flight as it ended, itself included: a success while less
 * than half the limit was used proves nothing about a higher one and grows nothing (RFC 7661's
 * rule for TCP), so a sweep held back by something else never drifts far above what it uses.
 */
export const afterServed = (state: LimitState, inFlight: number): LimitState => {
  if (inFlight * 2 < state.limit) return state;
  if (state.limit >= state.max) return state.credit === 0 ? state : { ...state, credit: 0 };
  const slowStart = state.lastDecrease === 0;
  if (slowStart) return { ...state, limit: state.limit + 1, credit: 0 };
  const credit = state.credit + 1;
  const window = state.limit + 1 >= state.ceiling ? state.limit * PROBE_WINDOWS : state.limit;
  if (credit < window) return { ...state, credit };
  return { ...state, limit: state.limit + 1, credit: 0 };
};

/** An attempt answered 429: the limit shrinks, once for all the attempts sent under it. */
export const afterThrottled = (state: LimitState, ticket: number): LimitState => {
  if (ticket <= state.lastDecrease) return state;
  const limit = Math.max(1, Math.floor(state.limit * DECREASE_FACTOR));
  return {
    ...state,
    limit,
    safe: limit,
    credit: 0,
    ceiling: state.limit,
    lastDecrease: state.admitted,
  };
};
