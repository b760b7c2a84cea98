// How many upstream attempts one invocation lets run at once, driven by Huawei's throttling
// answers (429): slow start, then a decrease to what the upstream demonstrably accepted, and
// probing past the level it last throttled only now and then, so that few attempts (each costing
// its account a Retry-After) are throttled. Pure: the state goes in, the next state comes out;
// AttemptGate.ts applies it to real attempts.

/** A decrease never takes the limit below this share of itself, however low the evidence says. */
export const FLOOR_FACTOR = 0.5;
/**
 * After a throttled attempt the limit grows back to the level that was throttled only once this
 * many Retry-After periods have passed, and then one step per such interval: a probe that fails
 * costs one account a Retry-After, and a sweep's tail should not end waiting one out.
 */
export const PROBE_PERIODS = 4;
/** The Retry-After assumed when a 429 gives none (Huawei's gateway asks for 2-5 s, the simulator 1 s). */
export const DEFAULT_RETRY_AFTER_MS = 1_000;
/**
 * Slow start, as TCP's: the limit starts here (or at `max`, when lower) and grows by one per
 * attempt served, doubling each window, until the first throttled attempt. It is the default
 * SWEEP_CONCURRENCY, the level every release has run at: an invocation at the default uses all
 * its slots from the first round trip (a first round at half of them would cost a sweep a whole
 * round at its end), and one configured above it reaches its concurrency within a few round
 * trips, without a first burst of `max` attempts at an upstream that may refuse most of them.
 */
export const INITIAL_LIMIT = 8;

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
  /**
   * The attempts in flight (itself included) when the last throttled attempt was admitted: the
   * level the upstream refused (above `max` until one). Growing to it is a probe.
   */
  ceiling: number;
  /** Attempts admitted so far: each admitted attempt gets the next number as its ticket. */
  admitted: number;
  /**
   * The `admitted` count at the last decrease. A throttled attempt admitted before it was sent
   * under the old limit, which was already cut for it: one cut per window, as TCP does.
   */
  lastDecrease: number;
  /** Epoch ms before which the limit does not probe (grow to `ceiling` or past it). */
  probeAt: number;
  /** Ms between probes: PROBE_PERIODS of the last throttled attempt's Retry-After. */
  probeEvery: number;
}

/** An admitted attempt: its ticket, and the attempts in flight once it was admitted (itself included). */
export interface Admission {
  ticket: number;
  inFlight: number;
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
    probeAt: 0,
    probeEvery: 0,
  };
};

/** Whether one more attempt may start with `inFlight` running; a throttled one's retry stays at the safe level. */
export const mayAdmit = (state: LimitState, inFlight: number, retryOfThrottled: boolean): boolean =>
  inFlight < (retryOfThrottled ? Math.min(state.limit, state.safe) : state.limit);

/** Admits an attempt while `inFlight` others run: returns its admission and the state counting it. */
export const admit = (state: LimitState, inFlight: number): [Admission, LimitState] => {
  const ticket = state.admitted + 1;
  return [
    { ticket, inFlight: inFlight + 1 },
    { ...state, admitted: ticket },
  ];
};

/**
 * An attempt the upstream served (any answer but 429): +1 once a whole window has succeeded.
 * `inFlight` counts the attempts in flight as it ended, itself included: a success while less
 * than half the limit was used proves nothing about a higher one and grows nothing (RFC 7661's
 * rule for TCP), so a sweep held back by something else never drifts far above what it uses.
 * A probe (growing to the level last throttled, or past it) waits for `probeAt`, and sets the next.
 */
export const afterServed = (state: LimitState, inFlight: number, now: number): LimitState => {
  if (inFlight * 2 < state.limit) return state;
  if (state.limit >= state.max) return state.credit === 0 ? state : { ...state, credit: 0 };
  const slowStart = state.lastDecrease === 0;
  if (slowStart) return { ...state, limit: state.limit + 1, credit: 0 };
  const credit = Math.min(state.credit + 1, state.limit);
  if (credit < state.limit) return { ...state, credit };
  const probe = state.limit + 1 >= state.ceiling;
  // A full window waits for the time to probe with its credit kept.
  if (probe && now < state.probeAt) return state.credit === credit ? state : { ...state, credit };
  return {
    ...state,
    limit: state.limit + 1,
    credit: 0,
    ...(probe ? { probeAt: now + state.probeEvery } : {}),
  };
};

/**
 * An attempt answered 429: the limit comes down to what the upstream demonstrably accepted beside
 * it, never below FLOOR_FACTOR of itself, and only once for all the attempts sent under the old
 * limit. A failed probe thus costs one step, not a quarter. What was accepted is at most the
 * others in flight when it was admitted; `stillAnswering`, when the caller knows it, is the
 * attempts admitted before it and still unanswered when its 429 came back, a closer count (answers
 * already on their way back are no longer in flight upstream). Erring low costs a round trip at a
 * lower limit; erring high costs another 429.
 */
export const afterThrottled = (
  state: LimitState,
  { ticket, inFlight }: Admission,
  now: number,
  retryAfterMs: number = DEFAULT_RETRY_AFTER_MS,
  stillAnswering: number = inFlight - 1,
): LimitState => {
  if (ticket <= state.lastDecrease) return state;
  const accepted = Math.min(inFlight - 1, stillAnswering);
  const floor = Math.max(1, Math.floor(state.limit * FLOOR_FACTOR));
  const limit = Math.min(state.limit, Math.max(floor, accepted));
  const probeEvery = PROBE_PERIODS * retryAfterMs;
  return {
    ...state,
    limit,
    safe: limit,
    credit: 0,
    ceiling: Math.max(limit + 1, accepted + 1),
    lastDecrease: state.admitted,
    probeAt: now + probeEvery,
    probeEvery,
  };
};
