// The outcomes of a revocation (docs/INTERFACE.md, "Outcomes") and the record each one leaves ("Outcome records").

export const OUTCOMES = [
  'REVOKED',
  'ALREADY_INVALID',
  'ALREADY_REVOKED',
  'REJECTED',
  'FAILED',
  'NOT_FOUND',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

export type Trigger = 'api' | 'offboarding' | 'schedule' | 'rotation';

/** Outcomes after which the token of that secret version is known to be dead. */
export const isTokenDead = (outcome: Outcome): boolean =>
  outcome === 'REVOKED' || outcome === 'ALREADY_INVALID' || outcome === 'ALREADY_REVOKED';

/**
 * Whether a record marks its secret version revoked: only a 200 (REVOKED) of a token we can name.
 * A 401 is also what a token of the other site or a mangled token gets, so it proves nothing.
 */
export const marksVersion = (
  record: Pick<OutcomeRecord, 'outcome' | 'tokenFingerprint'>,
): boolean => Boolean(record.tokenFingerprint) && record.outcome === 'REVOKED';

/** One item of the outcome table. Optional fields are absent, never null. */
export interface OutcomeRecord {
  accountId: string;
  /** ISO-8601 UTC time of the record, `#`, the request id, `#` and a random id: sorts by time, unique. */
  recordId: string;
  recordedAt: string;
  outcome: Outcome;
  trigger: Trigger;
  requestId: string;
  attempts: number;
  durationMs: number;
  secretVersionId?: string;
  tokenFingerprint?: string;
  upstreamStatus?: number;
  upstreamErrorCode?: string;
  reason?: string;
  actor?: string;
  /** Extension: the offboarding event id, the schedule execution id or the queue message id. */
  correlationId?: string;
  /** Extension (VERIFY_REVOCATION): Huawei's validate API confirmed the token dead (true) or alive. */
  verified?: boolean;
  /**
   * Extension: the request id of the concurrent revocation of the same secret version whose
   * upstream answer this one reports (it made no call of its own).
   */
  followedRequestId?: string;
  /**
   * Offboarding of an account whose secret rotates: whether its rotation was cancelled (false:
   * the cancellation failed, and the invocation failed after recording).
   */
  rotationCancelled?: boolean;
  /** Extension: why a FAILED revocation failed (`timeout`, `ECONNRESET`, `deadline`, ...). */
  failure?: string;
}

/** A summary of many revocations, as the offboarding and schedule triggers return it. */
export interface Summary {
  processed: number;
  outcomes: Partial<Record<Outcome, number>>;
}

/** What the offboarding and schedule triggers answer. */
export interface RevocationSummary extends Summary {
  /** Extension: accounts handed to the work queue instead of revoked here. */
  queued?: number;
  /** Sweep: secrets left alone because their rotation is enabled. */
  rotating?: number;
}

export const summarise = (outcomes: Iterable<Outcome>): Summary => {
  const summary: Summary = { processed: 0, outcomes: {} };
  for (const outcome of outcomes) {
    summary.processed += 1;
    summary.outcomes[outcome] = (summary.outcomes[outcome] ?? 0) + 1;
  }
  return summary;
};
