// Revokes many accounts through the one revocation path: at most `concurrency` upstream calls at
// a time, fewer while Huawei answers 429 (adaptive, see core/adaptiveLimit.ts), the next
// accounts' versions claimed while the current calls are in flight, each record written while
// the worker already moves on, and no new revocation started once the invocation's time runs short.
import pMap from 'p-map';
import { OutcomeRecordError } from '../commons/errors.js';
import { count, logger } from '../commons/powertools.js';
import { AttemptGate } from './AttemptGate.js';
import { OutcomeWriter } from './OutcomeWriter.js';
import type { Outcome, OutcomeRecord, Trigger } from './outcome.js';
import { type RevocationServices, WRITE_BATCH } from './ports.js';
import {
  type FoundOutcome,
  findOutcome,
  newRequestId,
  type Prepared,
  type RevocationRequest,
} from './revoke.js';

export type Job = Omit<RevocationRequest, 'requestId' | 'deadline'> & {
  requestId?: string;
  /** What a batch already read or looked up for it (the sweep). */
  prepared?: Prepared;
};

export interface ManyResult {
  outcomes: Outcome[];
  /** Accounts whose revocation ended FAILED (and was recorded). */
  failed: string[];
  /** Accounts whose outcome could not be recorded. */
  unrecorded: string[];
  /** Accounts not started because the deadline drew near. */
  notStarted: string[];
  /** Revocations that called Huawei, and those of them answered 401. */
  called: number;
  unauthorized: number;
}

/** The metric counted once per sweep or event in which every token called answered 401. */
export const ALL_UNAUTHORIZED_METRIC = 'AllTokensUnauthorized';

/**
 * Every token called answered 401: one site's tokens sent to the other site (or a mangled
 * configuration) looks exactly like this, and would otherwise pass as "already invalid".
 */
const warnIfAllUnauthorized = (result: ManyResult, trigger: Trigger | undefined): void => {
  if (trigger === undefined || result.called === 0 || result.unauthorized < result.called) return;
  count(trigger, ALL_UNAUTHORIZED_METRIC);
  logger.warn(
    'every token called answered 401: check MEETING_API_BASE_URL (China or international site) before trusting these ALREADY_INVALID outcomes',
    { trigger, called: result.called, meetingApiBaseUrl: process.env['MEETING_API_BASE_URL'] },
  );
};

const calledUpstream = (item: OutcomeRecord): boolean => item.attempts > 0;

/** Says, once per invocation, that Huawei pushed back and how far the concurrency came down. */
export const warnIfThrottled = (gate: AttemptGate): void => {
  if (gate.throttledAttempts === 0) return;
  logger.warn('Huawei throttled this invocation; its concurrency adapted', {
    throttledAttempts: gate.throttledAttempts,
    lowestConcurrency: gate.lowest,
    finalConcurrency: gate.limit,
    configuredConcurrency: gate.max,
  });
};

/**
 * Whether it is too late to start a revocation: one full attempt must still fit, as the retry
 * policy demands (later attempts are cut by the deadline inside the call).
 */
export const tooLateToStart = (
  deadline: number | undefined,
  services: RevocationServices,
): boolean => deadline !== undefined && Date.now() + services.config.timeoutMs > deadline;

/**
 * A counting semaphore whose size is read at each admission: the revocations allowed to get
 * ready (secret read, version claimed) ahead of a free upstream slot, as many as there are slots.
 */
class ReadySlots {
  #taken = 0;
  readonly #waiting: (() => void)[] = [];
  constructor(private readonly size: () => number) {}

  async take(): Promise<() => void> {
    if (this.#taken >= this.size()) await new Promise<void>((go) => this.#waiting.push(go));
    else this.#taken += 1;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.#taken -= 1;
      while (this.#waiting.length > 0 && this.#taken < this.size()) {
        this.#taken += 1;
        this.#waiting.shift()?.();
      }
    };
  }
}

export const revokeMany = async (
  jobs: Iterable<Job> | AsyncIterable<Job>,
  services: RevocationServices,
  { concurrency, deadline }: { concurrency: number; deadline: number | undefined },
): Promise<ManyResult> => {
  const result: ManyResult = {
    outcomes: [],
    failed: [],
    unrecorded: [],
    notStarted: [],
    called: 0,
    unauthorized: 0,
  };
  let trigger: Trigger | undefined;
  /**
   * Revocations not started, by request id: recorded FAILED, but named once, as not started. Not
   * by account: offboarding revokes two versions of a rotating account, and one that failed
   * upstream must still be named FAILED when the other had no time to start.
   */
  const uncounted = new Set<string>();
  // Records are written in batches beside the upstream calls; the backlog is bounded, so that a
  // slow table applies back-pressure.
  const writer = new OutcomeWriter(
    services,
    {
      recorded: (item) => {
        result.outcomes.push(item.outcome);
        trigger = item.trigger;
        if (calledUpstream(item)) result.called += 1;
        if (calledUpstream(item) && item.upstreamStatus === 401) result.unauthorized += 1;
        if (item.outcome === 'FAILED' && !uncounted.has(item.requestId)) {
          result.failed.push(item.accountId);
        }
      },
      unrecorded: (accountId) => {
        logger.error('outcome not recorded', { accountId });
        result.unrecorded.push(accountId);
      },
    },
    Math.max(4, Math.ceil(concurrency / 8)),
  );
  const maxBacklog = Math.max(concurrency * 2, 4 * WRITE_BATCH);
  // Upstream attempts in flight: at most `concurrency`, fewer after 429 answers, back up on success.
  const gate = new AttemptGate(concurrency);
  // While a slot's call is in flight the next revocation reads its marker and claims its version,
  // so that the claim's round trip is off the critical path; bounded by the current limit.
  const ready = new ReadySlots(() => gate.limit);

  try {
    await pMap(
      jobs,
      async ({ prepared, ...job }) => {
        const request = { ...job, requestId: job.requestId ?? newRequestId(), deadline };
        const late = tooLateToStart(deadline, services);
        let found: FoundOutcome;
        if (late) {
          // An attempt that could not finish in time is not started, and the outcome
          // is FAILED; it is recorded like any other, and the invocation fails naming the account.
          result.notStarted.push(job.accountId);
          found = {
            request,
            findings: { outcome: 'FAILED', attempts: 0, failure: 'deadline' },
            started: performance.now(),
          };
        } else {
          const free = await ready.take();
          // Its first turn at the gate frees the slot for the next revocation to get ready, once
          // this turn's call has gone out: the next one's reads and claim, run first, would hold
          // it back by their CPU time (a millisecond or more each turn, at every slot of a sweep).
          const withGate = {
            ...request,
            gate: {
              acquire: async (retry: boolean) => {
                const permit = await gate.acquire(retry);
                setImmediate(free);
                return permit;
              },
              release: gate.release.bind(gate),
            },
          };
          try {
            found = await findOutcome(withGate, services, prepared);
          } catch (error) {
            // The marker look-up could not reach the table: the outcome could not be recorded.
            if (!(error instanceof OutcomeRecordError)) throw error;
            logger.error('outcome not recorded', {
              accountId: job.accountId,
              error: error.message,
            });
            result.unrecorded.push(job.accountId);
            return;
          } finally {
            free();
          }
        }
        await writer.room(maxBacklog);
        // Its turn at the gate came too late for an attempt: not started, like the above.
        const turnTooLate =
          !late &&
          found.findings.outcome === 'FAILED' &&
          found.findings.failure === 'deadline' &&
          found.findings.attempts === 0;
        if (turnTooLate) result.notStarted.push(job.accountId);
        if (late || turnTooLate) uncounted.add(request.requestId);
        writer.add(found);
      },
      // Workers beyond the upstream slots: those getting ready, and those waiting out a 429's
      // Retry-After (which holds no slot). The gate and the ready slots do the bounding.
      { concurrency: concurrency * 3, stopOnError: true },
    );
  } finally {
    // Every outcome reached is recorded (or reported unrecorded) before anything is answered.
    await writer.drain();
  }
  warnIfThrottled(gate);
  warnIfAllUnauthorized(result, trigger);
  return result;
};
