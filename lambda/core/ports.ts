// What the revocation core needs of the world, in its own words: read a secret, keep the ledger of
// outcomes and claims, call Huawei, announce. The adapters implement these; the core imports
// nothing else of theirs, and the composition root is the only place that knows both.
import type { Outcome, OutcomeRecord } from './outcome.js';

/**
 * What reading an account's secret found. A per-secret read problem is a value, never a throw:
 * `unreadable` (throttled, access denied...) is not `missing`, since we could not look.
 */
export type SecretReading =
  | { kind: 'found'; token: string; versionId: string | undefined }
  | { kind: 'missing'; versionId?: string }
  /** JSON that is not an object holding a string token: never sent, never taken for a token. */
  | { kind: 'malformed'; versionId?: string }
  | { kind: 'unreadable'; errorName: string };

export interface SecretReader {
  /** The account's current token, or that of exactly `versionId` (a rotation's version). */
  load(accountId: string, versionId?: string): Promise<SecretReading>;
}

/**
 * A secret version of an account, as the ledger knows it: by its version id, or, when Secrets
 * Manager (or a look-alike) gives none, by the token's fingerprint. At least one of the two.
 */
export interface VersionRef {
  accountId: string;
  secretVersionId?: string | undefined;
  tokenFingerprint?: string | undefined;
}

/** What the owner of a claim found, as it tells those that waited for it. */
export interface SettledClaim {
  outcome: Outcome;
  requestId: string;
  upstreamStatus?: number;
  upstreamErrorCode?: string;
}

export type ClaimState =
  | { state: 'free' }
  | { state: 'held'; owner: string; leaseUntil: number }
  | { state: 'settled'; owner: string; settled: SettledClaim };

/** The outcome records, the revoked-version markers and the claims on versions. */
export interface OutcomeLedger {
  /** Whether this version's token was already recorded dead (a marker whose record landed). */
  isVersionRevoked(version: VersionRef): Promise<boolean>;
  /**
   * Claims the right to call Huawei for the version until `leaseUntil` (epoch ms): `fresh` when it
   * was never claimed before, `replaced` when an earlier claim was settled or ran out, false when
   * another owner holds it.
   */
  claim(
    version: VersionRef,
    owner: string,
    leaseUntil: number,
  ): Promise<'fresh' | 'replaced' | false>;
  readClaim(version: VersionRef): Promise<ClaimState>;
  /** Ends the owner's claim, with what it found (recorded), or without (nothing recorded). */
  settleClaim(version: VersionRef, owner: string, settled: SettledClaim | undefined): Promise<void>;
  /** Writes the record (and the version's marker after a 200); throws OutcomeRecordError. */
  record(record: OutcomeRecord): Promise<void>;
  /**
   * Writes many records (and the markers of those REVOKED) and settles claims whose owners'
   * records an earlier call wrote, in batches of at most `WRITE_BATCH` writes. Returns the records
   * not written; a marker or settlement not written is only logged, as `record` and `settleClaim`
   * do. A settlement here takes no condition: hand one in only while its owner's lease runs.
   */
  recordMany(
    records: readonly OutcomeRecord[],
    settlements?: readonly ClaimSettlement[],
  ): Promise<OutcomeRecord[]>;
}

/** A claim to settle with what its owner found, once the owner's record is written. */
export interface ClaimSettlement {
  version: VersionRef;
  owner: string;
  settled: SettledClaim;
}

/** How many writes `recordMany` sends in one call (BatchWriteItem takes at most 25 puts). */
export const WRITE_BATCH = 25;

/** What became of an admitted attempt: served, throttled (429), or neither (a fault, a 5xx). */
export type AttemptVerdict = 'served' | 'throttled' | 'neutral';

/** An admitted attempt: its place in the order of admission and how many were in flight with it. */
export interface AttemptPermit {
  readonly ticket: number;
  readonly inFlight: number;
}

/** What an upstream call needs of a gate: wait for a turn, then say how the attempt went. */
export interface UpstreamGate {
  acquire(retryOfThrottled: boolean): Promise<AttemptPermit>;
  /** `retryAfterMs`: what a throttled attempt's answer asked to wait, when it said. */
  release(permit: AttemptPermit, verdict: AttemptVerdict, retryAfterMs?: number): void;
}

export interface UpstreamCall {
  requestId: string;
  /** Epoch ms bounding the whole call, retries included. */
  deadline?: number | undefined;
}

export interface LogoutAnswer {
  outcome: Outcome;
  attempts: number;
  upstreamStatus?: number;
  upstreamErrorCode?: string;
  /** For FAILED: the last fault (`timeout`, `ECONNRESET`, `http-503`, `deadline`, ...). */
  failure?: string;
  /** Time spent in upstream attempts, waits excluded. */
  upstreamMs: number;
}

/** Huawei's token API. Upstream faults end as results, never throws. */
export interface TokenUpstream {
  logout(
    token: string,
    call: UpstreamCall & { gate?: UpstreamGate | undefined },
  ): Promise<LogoutAnswer>;
  /** `dead` on 401, `alive` on 2xx, `unknown` otherwise. */
  validate(token: string, call: UpstreamCall): Promise<'dead' | 'alive' | 'unknown'>;
}

export interface OutcomeAnnouncer {
  add(record: OutcomeRecord): void;
}

/** The settings the core reads. */
export interface RevocationConfig {
  maxAttempts: number;
  timeoutMs: number;
  verifyRevocation: boolean;
}

/** Everything one revocation uses. */
export interface RevocationServices {
  config: RevocationConfig;
  secrets: SecretReader;
  outcomes: OutcomeLedger;
  meeting: TokenUpstream;
  /** Present when outcomes are announced. */
  events?: OutcomeAnnouncer | undefined;
}
