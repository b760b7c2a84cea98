// Admits upstream attempts under the adaptive limit of adaptiveLimit.ts: a waiting line, retries
// of throttled attempts first. Hand-written: p-limit and p-queue change their concurrency at run
// time, but neither admits one kind of task under a lower bound than the other (the retry of a
// throttled attempt waits for the safe level), and no npm package does AIMD on 429 answers.

import {
  admit,
  afterServed,
  afterThrottled,
  initialLimit,
  type LimitState,
  mayAdmit,
} from './adaptiveLimit.js';
import type { AttemptPermit, AttemptVerdict, UpstreamGate } from './ports.js';

interface Waiter {
  retryOfThrottled: boolean;
  admitted: (permit: AttemptPermit) => void;
}

export class AttemptGate implements UpstreamGate {
  #state: LimitState;
  #inFlight = 0;
  /** Tickets of the attempts in flight. */
  readonly #tickets = new Set<number>();
  readonly #retries: Waiter[] = [];
  readonly #fresh: Waiter[] = [];
  /** The lowest limit a throttled attempt brought it to (the configured one until then), for the logs. */
  lowest: number;
  throttledAttempts = 0;

  constructor(
    max: number,
    private readonly now: () => number = Date.now,
  ) {
    this.#state = initialLimit(max);
    this.lowest = this.#state.max;
  }

  get limit(): number {
    return this.#state.limit;
  }

  /** The configured concurrency: the limit never grows past it. */
  get max(): number {
    return this.#state.max;
  }

  acquire(retryOfThrottled: boolean): Promise<AttemptPermit> {
    return new Promise((admitted) => {
      (retryOfThrottled ? this.#retries : this.#fresh).push({ retryOfThrottled, admitted });
      this.#pump();
    });
  }

  release(permit: AttemptPermit, verdict: AttemptVerdict, retryAfterMs?: number): void {
    if (verdict === 'served') this.#state = afterServed(this.#state, this.#inFlight, this.now());
    this.#inFlight -= 1;
    this.#tickets.delete(permit.ticket);
    if (verdict === 'throttled') {
      this.throttledAttempts += 1;
      let stillAnswering = 0;
      for (const ticket of this.#tickets) if (ticket < permit.ticket) stillAnswering += 1;
      this.#state = afterThrottled(this.#state, permit, this.now(), retryAfterMs, stillAnswering);
      this.lowest = Math.min(this.lowest, this.#state.limit);
    }
    this.#pump();
  }

  #pump(): void {
    while (true) {
      // A throttled attempt's retry goes first; while it waits for the safe level, nothing passes it.
      const line = this.#retries.length > 0 ? this.#retries : this.#fresh;
      const next = line[0];
      if (!next || !mayAdmit(this.#state, this.#inFlight, next.retryOfThrottled)) return;
      line.shift();
      const [admission, state] = admit(this.#state, this.#inFlight);
      this.#state = state;
      this.#inFlight += 1;
      this.#tickets.add(admission.ticket);
      next.admitted(admission);
    }
  }
}
