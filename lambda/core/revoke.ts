// The one revocation path every trigger takes: load the token, decide, call Huawei, classify,
// record. A revocation is only reported once its outcome record is written.
import { createHash, randomUUID } from 'node:crypto';
import { awsErrorName, OutcomeRecordError } from '../commons/errors.js';
import { count, logger, recordUpstreamCall } from '../commons/powertools.js';
import { rememberSecret } from '../commons/redaction.js';
import type { Outcome, OutcomeRecord, Trigger } from './outcome.js';
import type {
  OutcomeLedger,
  RevocationConfig,
  RevocationServices,
  SecretReading,
  SettledClaim,
  TokenUpstream,
  UpstreamGate,
  VersionRef,
} from './ports.js';

export interface RevocationRequest {
  accountId: string;
  trigger: Trigger;
  requestId: string;
  reason?: string;
  actor?: string;
  correlationId?: string;
  /** Epoch ms after which no upstream attempt may start. */
  deadline?: number;
  /** Revoke the token of exactly this secret version (rotation), not the current one. */
  secretVersionId?: string;
  /** Offboarding of a rotating secret: whether its rotation was cancelled. */
  rotationCancelled?: boolean;
  /**
   * Admits each upstream attempt (the sweep's adaptive concurrency). With a gate the claim may be
   * taken while other revocations' calls are in flight, so its lease also covers that wait.
   */
  gate?: UpstreamGate;
}

/** First 16 hex characters of the token's SHA-256: enough to tell tokens apart, useless to use. */
export const tokenFingerprint = (token: string): string =>
  createHash('sha256').update(token, 'utf8').digest('hex').slice(0, 16);

/** Characters an HTTP header value may carry (RFC 9110 field-value, visible ASCII and space/tab). */
const HEADER_SAFE = /^[\t\x20-\x7e]+$/;

/** Whether the token can travel in the X-Access-Token header at all. */
export const isSendable = (token: string): boolean => HEADER_SAFE.test(token);

export const newRequestId = (): string => randomUUID();

/** What a batch (the sweep) already found out about a revocation before it starts. */
export interface Prepared {
  /** The secret, already read. */
  secret?: SecretReading;
  /** Whether the secret's version is already recorded dead, when a batch look-up told. */
  revokedBefore?: boolean;
}

type Findings = Pick<
  OutcomeRecord,
  | 'attempts'
  | 'secretVersionId'
  | 'tokenFingerprint'
  | 'upstreamStatus'
  | 'upstreamErrorCode'
  | 'failure'
  | 'verified'
  | 'followedRequestId'
> & { outcome: Outcome };

/** The claim a revocation holds on its secret version while it calls Huawei. */
export interface HeldClaim {
  version: VersionRef;
  owner: string;
  /** Epoch ms: until then no other revocation can take the claim. */
  leaseUntil: number;
  /** The version was never claimed before: nobody can have revoked it since the look-up. */
  fresh?: boolean;
}

/**
 * Revokes one account's token and records the outcome. Throws OutcomeRecordError when the
 * outcome cannot be recorded: the caller must then fail, never answer success.
 */
export const revoke = async (
  request: RevocationRequest,
  services: RevocationServices,
): Promise<OutcomeRecord> => record(await findOutcome(request, services), services);

/** An outcome reached but not yet recorded: the upstream half of a revocation. */
export interface FoundOutcome {
  request: RevocationRequest;
  findings: Findings;
  started: number;
  /** Settled by `record` once the outcome is written, so that those waiting can adopt it. */
  claim?: HeldClaim;
}

/** Loads, decides and calls Huawei: everything but the record. */
export const findOutcome = async (
  request: RevocationRequest,
  services: RevocationServices,
  prepared: Prepared = {},
): Promise<FoundOutcome> => {
  const started = performance.now();
  const held: { claim?: HeldClaim } = {};
  const findings = await decideAndCall(request, services, prepared, held);
  return { request, findings, started, ...(held.claim ? { claim: held.claim } : {}) };
};

/** The record of an outcome, as it is about to be written. */
export const outcomeRecordOf = ({ request, findings, started }: FoundOutcome): OutcomeRecord => {
  const recordedAt = new Date().toISOString();
  return {
    accountId: request.accountId,
    // Unique per write, whatever the request id and however close in time: callers may reuse an
    // X-Request-ID, and two records of one millisecond must never share a key.
    recordId: `${recordedAt}#${request.requestId}#${randomUUID()}`,
    recordedAt,
    trigger: request.trigger,
    requestId: request.requestId,
    durationMs: Math.round(performance.now() - started),
    outcome: findings.outcome,
    attempts: findings.attempts,
    ...defined(findings),
    ...defined({
      reason: request.reason,
      actor: request.actor,
      correlationId: request.correlationId,
      rotationCancelled: request.rotationCancelled,
    }),
  };
};

/** What the owner of a claim tells those that waited for it, once its record is written. */
export const settledOf = (item: OutcomeRecord): SettledClaim => ({
  outcome: item.outcome,
  requestId: item.requestId,
  ...defined({ upstreamStatus: item.upstreamStatus, upstreamErrorCode: item.upstreamErrorCode }),
});

/** Writes the record of an outcome, then counts, announces and logs it. */
export const record = async (
  found: FoundOutcome,
  services: RevocationServices,
): Promise<OutcomeRecord> => {
  const item = outcomeRecordOf(found);
  const { claim } = found;
  try {
    await services.outcomes.record(item);
  } catch (error) {
    // Nothing recorded: those waiting on the claim must not adopt an outcome with no record.
    if (claim) await services.outcomes.settleClaim(claim.version, claim.owner, undefined);
    throw error;
  }
  if (claim) {
    await services.outcomes.settleClaim(claim.version, claim.owner, settledOf(item));
  }
  announce(item, services);
  return item;
};

/** Counts, announces and logs an outcome whose record is written. */
export const announce = (item: OutcomeRecord, services: RevocationServices): void => {
  count(item.trigger, item.outcome);
  services.events?.add(item);
  logger.info('revocation recorded', {
    accountId: item.accountId,
    outcome: item.outcome,
    trigger: item.trigger,
    requestId: item.requestId,
    attempts: item.attempts,
    upstreamStatus: item.upstreamStatus,
    upstreamErrorCode: item.upstreamErrorCode,
    failure: item.failure,
    verified: item.verified,
    durationMs: item.durationMs,
  });
};

const decideAndCall = async (
  request: RevocationRequest,
  services: RevocationServices,
  prepared: Prepared,
  held: { claim?: HeldClaim },
): Promise<Findings> => {
  const secret =
    prepared.secret ?? (await services.secrets.load(request.accountId, request.secretVersionId));
  switch (secret.kind) {
    case 'unreadable':
      // Not NOT_FOUND: we could not look. FAILED makes it visible, alarmed and retried.
      logger.error('could not read the secret', {
        accountId: request.accountId,
        error: secret.errorName,
      });
      return { outcome: 'FAILED', attempts: 0, failure: `SecretsManager:${secret.errorName}` };
    case 'malformed':
      // JSON that is not an object holding a string token: never sent, never taken for a token.
      logger.error('the secret is malformed; nothing was sent', { accountId: request.accountId });
      return {
        outcome: 'FAILED',
        attempts: 0,
        failure: 'secret-malformed',
        ...(secret.versionId ? { secretVersionId: secret.versionId } : {}),
      };
    case 'missing':
      return {
        outcome: 'NOT_FOUND',
        attempts: 0,
        secretVersionId: secret.versionId ?? request.secretVersionId,
      };
    case 'found':
      return revokeToken(request, services, secret, prepared.revokedBefore, held);
  }
};

/** Decides on a token found and, unless it is known dead, has Huawei revoke it. */
const revokeToken = async (
  request: RevocationRequest,
  { outcomes, meeting, config }: RevocationServices,
  { token, versionId }: { token: string; versionId: string | undefined },
  knownRevoked: boolean | undefined,
  held: { claim?: HeldClaim },
): Promise<Findings> => {
  const forget = rememberSecret(token);
  try {
    const fingerprint = tokenFingerprint(token);
    const known = { secretVersionId: versionId, tokenFingerprint: fingerprint };
    const version: VersionRef = { accountId: request.accountId, ...known };
    if (knownRevoked) return { outcome: 'ALREADY_REVOKED', attempts: 0, ...known };
    if (!isSendable(token)) {
      // A token no header can carry (a control character inside) cannot be revoked: say so
      // loudly, never NOT_FOUND, since whatever it is, it may still work. (No marker can name
      // it: only a 200 to a token sent marks a version.)
      return { outcome: 'FAILED', attempts: 0, failure: 'token-unsendable', ...known };
    }
    const lease = leaseMs(config) * (request.gate ? 2 : 1);
    const owner = `${request.requestId}#${randomUUID()}`;
    let turn: Turn;
    if (knownRevoked === undefined) {
      const first = await lookUpAndClaim(request, outcomes, version, owner, lease);
      if (first.revoked) {
        // A claim taken beside the look-up is settled with this outcome once it is recorded.
        if (first.claim) held.claim = first.claim;
        return { outcome: 'ALREADY_REVOKED', attempts: 0, ...known };
      }
      turn = first.claim
        ? { claim: first.claim }
        : await takeTurn(request, outcomes, version, lease, owner, false);
    } else {
      turn = await takeTurn(request, outcomes, version, lease, owner, true);
    }
    if ('adopted' in turn) return { ...turn.adopted, ...known };
    held.claim = turn.claim;
    try {
      // Another revocation may have revoked this version between the look-up and the claim.
      if (!turn.claim.fresh && (await alreadyRevoked(outcomes, version))) {
        return { outcome: 'ALREADY_REVOKED', attempts: 0, ...known };
      }
      const result = await meeting.logout(token, {
        requestId: request.requestId,
        deadline: request.deadline,
        gate: request.gate,
      });
      if (result.attempts > 0) {
        recordUpstreamCall(request.trigger, result.upstreamMs, result.attempts);
      }
      const verified =
        result.outcome === 'REVOKED' && config.verifyRevocation
          ? await verify(meeting, token, request)
          : undefined;
      return {
        verified,
        outcome: result.outcome,
        attempts: result.attempts,
        upstreamStatus: result.upstreamStatus,
        upstreamErrorCode: result.upstreamErrorCode,
        failure: result.failure,
        ...known,
      };
    } catch (error) {
      delete held.claim;
      await outcomes.settleClaim(version, turn.claim.owner, undefined);
      throw error;
    }
  } finally {
    forget();
  }
};

/** Proof, not hope: asks Huawei whether the token revoked a moment ago still works. */
const verify = async (
  meeting: TokenUpstream,
  token: string,
  request: RevocationRequest,
): Promise<boolean | undefined> => {
  const verdict = await meeting.validate(token, {
    requestId: request.requestId,
    deadline: request.deadline,
  });
  if (verdict === 'alive') {
    count(request.trigger, 'TokenSurvivedRevocation');
    logger.error('token still valid after a successful revocation', {
      accountId: request.accountId,
      requestId: request.requestId,
    });
    return false;
  }
  if (verdict === 'unknown') {
    count(request.trigger, 'VerificationInconclusive');
    logger.warn('could not verify the revocation', { accountId: request.accountId });
    return undefined;
  }
  return true;
};

/**
 * How long an owner may hold a claim: every attempt at its timeout, the longest backoff between
 * them, the verification call and a margin to record. An owner that dies loses its claim then.
 */
const leaseMs = (config: RevocationConfig): number =>
  config.maxAttempts * (config.timeoutMs + 2000) +
  (config.verifyRevocation ? config.timeoutMs : 0) +
  2000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Turn = { claim: HeldClaim } | { adopted: Findings };

/** When a claim taken now ends, unless settled first: the lease, and never long past the deadline. */
const leaseUntilOf = (request: RevocationRequest, lease: number): number =>
  Math.min(Date.now() + lease, (request.deadline ?? Number.POSITIVE_INFINITY) + 2000);

/** One attempt at the claim: held if the conditional write took it, else undefined. */
const claimOnce = async (
  request: RevocationRequest,
  outcomes: OutcomeLedger,
  version: VersionRef,
  owner: string,
  lease: number,
): Promise<HeldClaim | undefined> => {
  const leaseUntil = leaseUntilOf(request, lease);
  const claimed = await outcomes.claim(version, owner, leaseUntil);
  return claimed ? { version, owner, leaseUntil, fresh: claimed === 'fresh' } : undefined;
};

/**
 * The marker look-up and the first claim attempt, sent together: one round trip to the table
 * before Huawei is called instead of two. A version found revoked costs a claim (settled with
 * ALREADY_REVOKED once recorded) only when nothing had read its marker in advance, as a sweep does.
 */
const lookUpAndClaim = async (
  request: RevocationRequest,
  outcomes: OutcomeLedger,
  version: VersionRef,
  owner: string,
  lease: number,
): Promise<{ revoked: boolean; claim: HeldClaim | undefined }> => {
  const [revoked, claimed] = await Promise.allSettled([
    alreadyRevoked(outcomes, version),
    claimOnce(request, outcomes, version, owner, lease),
  ]);
  const claim = claimed.status === 'fulfilled' ? claimed.value : undefined;
  if (revoked.status === 'rejected') {
    // Without the marker nothing can be decided: the claim just taken is given back (the lease
    // ends it if that fails too) and the revocation fails before calling upstream.
    if (claim) await outcomes.settleClaim(version, owner, undefined).catch(() => undefined);
    throw revoked.reason;
  }
  if (claimed.status === 'rejected') {
    throw tableUnreachable(request.accountId, claimed.reason);
  }
  return { revoked: revoked.value, claim };
};

/**
 * One upstream call per secret version, however many revocations of it run at once, in however
 * many instances: each claims the version with a conditional write; the one that gets it calls
 * Huawei, the others wait for it to settle the claim and adopt its outcome (`ALREADY_REVOKED`
 * after a 200). A claim whose owner died is taken over once its lease runs out.
 */
const takeTurn = async (
  request: RevocationRequest,
  outcomes: OutcomeLedger,
  version: VersionRef,
  lease: number,
  owner: string,
  /** False when a first attempt already failed: the claim's state is read first. */
  claimFirst: boolean,
): Promise<Turn> => {
  const { accountId } = request;
  const waitUntil = Math.min(request.deadline ?? Number.POSITIVE_INFINITY, Date.now() + lease * 2);
  let pause = 20;
  let tryClaim = claimFirst;
  try {
    while (true) {
      if (tryClaim) {
        const claim = await claimOnce(request, outcomes, version, owner, lease);
        if (claim) return { claim };
      }
      const state = await outcomes.readClaim(version);
      if (state.state === 'settled') return { adopted: adopt(state.settled) };
      // Our own claim: its write landed but the answer was lost, and the SDK's retry of it failed
      // its condition. Waiting on it would wait out our own lease.
      if (state.state === 'held' && state.owner === owner) {
        return { claim: { version, owner, leaseUntil: state.leaseUntil } };
      }
      tryClaim = state.state === 'free' || state.leaseUntil < Date.now();
      if (tryClaim) continue;
      if (Date.now() + pause > waitUntil) {
        logger.warn('gave up waiting for a concurrent revocation of the same secret version', {
          accountId,
        });
        return { adopted: { outcome: 'FAILED', attempts: 0, failure: 'concurrent-revocation' } };
      }
      await sleep(pause / 2 + Math.random() * pause);
      pause = Math.min(pause * 2, 250);
    }
  } catch (error) {
    // Without the table we can neither take turns nor record: fail before calling upstream.
    throw tableUnreachable(accountId, error);
  }
};

/** The outcome a waiting revocation reports: the owner's, or ALREADY_REVOKED after its 200. */
const adopt = (settled: SettledClaim): Findings => {
  if (settled.outcome === 'REVOKED' || settled.outcome === 'ALREADY_REVOKED') {
    return { outcome: 'ALREADY_REVOKED', attempts: 0, followedRequestId: settled.requestId };
  }
  return {
    outcome: settled.outcome,
    attempts: 0,
    followedRequestId: settled.requestId,
    ...defined({
      upstreamStatus: settled.upstreamStatus,
      upstreamErrorCode: settled.upstreamErrorCode,
      failure: settled.outcome === 'FAILED' ? 'concurrent-revocation-failed' : undefined,
    }),
  };
};

const alreadyRevoked = async (outcomes: OutcomeLedger, version: VersionRef): Promise<boolean> => {
  try {
    return await outcomes.isVersionRevoked(version);
  } catch (error) {
    // Without the table we can neither decide nor record: fail before calling upstream.
    throw tableUnreachable(version.accountId, error);
  }
};

/** A table call that failed before Huawei was called: the outcome could not be recorded. */
const tableUnreachable = (accountId: string, error: unknown): OutcomeRecordError =>
  new OutcomeRecordError(accountId, awsErrorName(error), { cause: error });

/** Drops undefined fields so that records and answers carry absent fields, never nulls. */
const defined = <T extends object>(value: T): Partial<T> =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
