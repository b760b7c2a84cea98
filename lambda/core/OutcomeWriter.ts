// Writes the outcomes of many revocations beside their upstream calls, in batches: records,
// markers and claim settlements go out together, 25 puts per BatchWriteItem, so that a revoked
// token costs a fraction of a write call instead of three, in the function and at the table.
// Hand-written: batchers on npm (DataLoader, p-queue's batching kin) batch loads per tick; none
// weighs items (a record and its marker are two puts), feeds a finished call's settlements into
// the next batch, or bounds the calls in flight and the queue behind them.
import { awsErrorName } from '../commons/errors.js';
import { logger } from '../commons/powertools.js';
import { marksVersion, type OutcomeRecord } from './outcome.js';
import { type ClaimSettlement, type RevocationServices, WRITE_BATCH } from './ports.js';
import {
  announce,
  type FoundOutcome,
  type HeldClaim,
  outcomeRecordOf,
  settledOf,
} from './revoke.js';

/**
 * How long the first outcome waiting for a batch may wait for others to fill it. Short: the
 * record is off the critical path, but those waiting on its claim wait for it too.
 */
export const LINGER_MS = 20;
/**
 * A settlement goes into a batch (which takes no condition) only while this much of its owner's
 * lease is left: enough for the batch call and its retries and for clocks that disagree a little,
 * so that no one else can have taken the claim over by the time it lands. Closer to the end it is
 * a conditional write of its own, as `record` makes it. (Even a batch settlement landing late
 * would only tell waiters an outcome that is recorded; the next claimer still finds the marker.)
 */
export const SETTLE_MARGIN_MS = 20_000;

interface Pending {
  item: OutcomeRecord;
  claim: HeldClaim | undefined;
}

/** The puts one record takes in a batch: itself, and its marker when REVOKED. */
const putsOf = ({ item }: Pending): number => (marksVersion(item) ? 2 : 1);

export interface WriterCallbacks {
  /** The record is written (and counted, announced, logged). */
  recorded(item: OutcomeRecord): void;
  /** The record could not be written: the account must be reported unrecorded. */
  unrecorded(accountId: string): void;
}

export class OutcomeWriter {
  readonly #records: Pending[] = [];
  readonly #settlements: ClaimSettlement[] = [];
  readonly #calls = new Set<Promise<void>>();
  /** Records queued or being written. */
  #backlog = 0;
  /** Puts the queued records take. */
  #recordPuts = 0;
  #timer: NodeJS.Timeout | undefined;
  /** The first of the queued outcomes has waited long enough: what there is goes out. */
  #lingered = false;
  #draining = false;
  /** What went wrong in a write beyond the table (a bug): drain throws it. */
  #failure: { error: unknown } | undefined;
  #room: (() => void)[] = [];

  /**
   * `maxCalls`: BatchWriteItem calls in flight at once. Enough to keep up with the revocations:
   * one call carries about eight, and a busy table answers it in tens of milliseconds.
   */
  constructor(
    private readonly services: RevocationServices,
    private readonly callbacks: WriterCallbacks,
    private readonly maxCalls = 4,
  ) {}

  /** Records queued or being written. */
  get backlog(): number {
    return this.#backlog;
  }

  /** Queues the record of an outcome; its claim is settled once the record is written. */
  add(found: FoundOutcome): void {
    const pending = { item: outcomeRecordOf(found), claim: found.claim };
    this.#records.push(pending);
    this.#recordPuts += putsOf(pending);
    this.#backlog += 1;
    this.#pump();
  }

  /** Resolves once fewer than `limit` records are queued or being written. */
  async room(limit: number): Promise<void> {
    while (this.#backlog >= limit) await new Promise<void>((go) => this.#room.push(go));
  }

  /** Writes everything queued, settlements included, and waits for it. */
  async drain(): Promise<void> {
    this.#draining = true;
    while (this.#calls.size > 0 || this.#queued() > 0) {
      this.#pump();
      await Promise.race(this.#calls);
    }
    if (this.#failure) throw this.#failure.error;
  }

  #queued(): number {
    return this.#records.length + this.#settlements.length;
  }

  #pump(): void {
    while (this.#calls.size < this.maxCalls && this.#queued() > 0) {
      const puts = this.#settlements.length + this.#recordPuts;
      if (puts < WRITE_BATCH && !this.#lingered && !this.#draining) {
        // Not a full batch yet: wait a moment for more, then send what there is.
        this.#timer ??= setTimeout(() => {
          this.#timer = undefined;
          this.#lingered = true;
          this.#pump();
        }, LINGER_MS);
        return;
      }
      this.#send();
    }
    if (this.#queued() === 0) {
      this.#lingered = false;
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  /** Takes up to one batch of puts, settlements first (their records are already written). */
  #send(): void {
    const settlements = this.#settlements.splice(0, WRITE_BATCH);
    let room = WRITE_BATCH - settlements.length;
    const records: Pending[] = [];
    while (this.#records.length > 0 && putsOf(this.#records[0] as Pending) <= room) {
      const next = this.#records.shift() as Pending;
      room -= putsOf(next);
      this.#recordPuts -= putsOf(next);
      records.push(next);
    }
    const call: Promise<void> = this.#write(records, settlements)
      .catch((error: unknown) => {
        this.#failure ??= { error };
      })
      .finally(() => {
        this.#calls.delete(call);
        this.#backlog -= records.length;
        for (const go of this.#room.splice(0)) go();
        this.#pump();
      });
    this.#calls.add(call);
  }

  async #write(records: Pending[], settlements: ClaimSettlement[]): Promise<void> {
    const { outcomes } = this.services;
    let unwritten: Set<OutcomeRecord>;
    try {
      unwritten = new Set(
        await outcomes.recordMany(
          records.map((p) => p.item),
          settlements,
        ),
      );
    } catch (error) {
      logger.warn('BatchWriteItem failed', { error: awsErrorName(error) });
      unwritten = new Set(records.map((p) => p.item));
    }
    const releases: Promise<void>[] = [];
    for (const { item, claim } of records) {
      if (unwritten.has(item)) {
        // Nothing recorded: those waiting on the claim must not adopt an outcome with no record.
        if (claim) {
          releases.push(outcomes.settleClaim(claim.version, claim.owner, undefined));
        }
        this.callbacks.unrecorded(item.accountId);
        continue;
      }
      if (claim) this.#settle(item, claim, releases);
      announce(item, this.services);
      this.callbacks.recorded(item);
    }
    await Promise.all(releases);
  }

  /** Settles a claim in a later batch while its lease safely runs, else with a write of its own. */
  #settle(item: OutcomeRecord, claim: HeldClaim, own: Promise<void>[]): void {
    const settled = settledOf(item);
    if (claim.leaseUntil - Date.now() > SETTLE_MARGIN_MS) {
      this.#settlements.push({ version: claim.version, owner: claim.owner, settled });
    } else {
      own.push(this.services.outcomes.settleClaim(claim.version, claim.owner, settled));
    }
  }
}
