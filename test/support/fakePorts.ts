// Small in-memory fakes of the revocation core's ports (lambda/core/ports.ts), for unit tests of
// the orchestration: each keeps what it was asked, so that a test can say what happened.
import { OutcomeRecordError } from '../../lambda/commons/errors.js';
import type { OutcomeRecord } from '../../lambda/core/outcome.js';
import type {
  ClaimSettlement,
  ClaimState,
  LogoutAnswer,
  OutcomeAnnouncer,
  OutcomeLedger,
  RevocationConfig,
  RevocationServices,
  SecretReader,
  SecretReading,
  SettledClaim,
  TokenUpstream,
  UpstreamCall,
  UpstreamGate,
  VersionRef,
} from '../../lambda/core/ports.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class FakeSecrets implements SecretReader {
  readonly readings = new Map<string, SecretReading>();
  loads = 0;

  /** An account whose secret holds `token` (at version `v-<account>` unless told). */
  withToken(accountId: string, token: string, versionId: string | undefined = `v-${accountId}`) {
    this.readings.set(accountId, { kind: 'found', token, versionId });
    return this;
  }

  /** One named version of an account's secret, read when a revocation names that version. */
  withVersion(accountId: string, versionId: string, token: string) {
    this.readings.set(`${accountId}@${versionId}`, { kind: 'found', token, versionId });
    return this;
  }

  async load(accountId: string, versionId?: string): Promise<SecretReading> {
    this.loads += 1;
    const named =
      versionId === undefined ? undefined : this.readings.get(`${accountId}@${versionId}`);
    return named ?? this.readings.get(accountId) ?? { kind: 'missing' };
  }
}

const keyOf = ({ accountId, secretVersionId, tokenFingerprint }: VersionRef): string =>
  `${accountId}#${secretVersionId ?? `sha256:${tokenFingerprint}`}`;

interface FakeClaim {
  owner: string;
  leaseUntil: number;
  settled?: SettledClaim;
}

export class FakeLedger implements OutcomeLedger {
  readonly records: OutcomeRecord[] = [];
  /** Versions marked revoked, as `account#version`. */
  readonly markers = new Set<string>();
  readonly claims = new Map<string, FakeClaim>();
  /** Every settlement, in order: who ended which claim with what. */
  readonly settlements: { key: string; owner: string; settled: SettledClaim | undefined }[] = [];
  /** Every `recordMany` call, in order: whose records and whose claim settlements it carried. */
  readonly batches: { records: string[]; settlements: string[] }[] = [];
  /** Accounts whose record write fails (or a batch refuses), as the store fails it. */
  readonly failRecordOf = new Set<string>();
  /** Accounts whose marker look-up fails, as a table outage does. */
  readonly failLookUpOf = new Set<string>();
  lookUps = 0;
  /** Claims whose write lands but whose answer is lost, so that the SDK's retry fails its condition. */
  lostClaimAnswers = 0;

  markRevoked(version: VersionRef): this {
    this.markers.add(keyOf(version));
    return this;
  }

  /** Another revocation holds the claim on `version` (until it settles it, see `settleAs`). */
  holdAs(version: VersionRef, owner: string, leaseUntil = Date.now() + 60_000): void {
    this.claims.set(keyOf(version), { owner, leaseUntil });
  }

  /** The other revocation ends its claim with what it found. */
  settleAs(version: VersionRef, owner: string, settled: SettledClaim): void {
    this.claims.set(keyOf(version), { owner, leaseUntil: Date.now(), settled });
  }

  async isVersionRevoked(version: VersionRef): Promise<boolean> {
    this.lookUps += 1;
    if (this.failLookUpOf.has(version.accountId)) {
      throw Object.assign(new Error('table unreachable'), { name: 'ServiceUnavailable' });
    }
    return this.markers.has(keyOf(version));
  }

  async claim(version: VersionRef, owner: string, leaseUntil: number) {
    const key = keyOf(version);
    const held = this.claims.get(key);
    if (held && !held.settled && held.leaseUntil >= Date.now()) return false;
    this.claims.set(key, { owner, leaseUntil });
    if (this.lostClaimAnswers > 0) {
      this.lostClaimAnswers -= 1;
      return false;
    }
    return held ? ('replaced' as const) : ('fresh' as const);
  }

  async readClaim(version: VersionRef): Promise<ClaimState> {
    const held = this.claims.get(keyOf(version));
    if (!held) return { state: 'free' };
    if (held.settled) return { state: 'settled', owner: held.owner, settled: held.settled };
    return { state: 'held', owner: held.owner, leaseUntil: held.leaseUntil };
  }

  async settleClaim(version: VersionRef, owner: string, settled: SettledClaim | undefined) {
    const key = keyOf(version);
    if (this.claims.get(key)?.owner !== owner) return;
    this.settlements.push({ key, owner, settled });
    // Released without an outcome: its lease run out, so that the next may claim.
    this.claims.set(
      key,
      settled ? { owner, leaseUntil: Date.now(), settled } : { owner, leaseUntil: 0 },
    );
  }

  async record(record: OutcomeRecord): Promise<void> {
    if (this.failRecordOf.has(record.accountId)) {
      throw new OutcomeRecordError(record.accountId, 'ProvisionedThroughputExceededException');
    }
    this.records.push(record);
    if (record.outcome === 'REVOKED' && record.tokenFingerprint) {
      this.markers.add(keyOf(record));
    }
  }

  /**
   * As the store's batch write: the records written (those of failing accounts refused and
   * returned), the markers of those written REVOKED, and settlements put without a condition.
   */
  async recordMany(
    records: readonly OutcomeRecord[],
    settlements: readonly ClaimSettlement[] = [],
  ): Promise<OutcomeRecord[]> {
    this.batches.push({
      records: records.map((item) => item.accountId),
      settlements: settlements.map(({ version }) => version.accountId),
    });
    for (const { version, owner, settled } of settlements) {
      const key = keyOf(version);
      this.settlements.push({ key, owner, settled });
      this.claims.set(key, { owner, leaseUntil: Date.now(), settled });
    }
    const refused = records.filter((item) => this.failRecordOf.has(item.accountId));
    for (const item of records) {
      if (!refused.includes(item)) await this.record(item);
    }
    return refused;
  }

  recordOf(accountId: string): OutcomeRecord | undefined {
    return this.records.find((item) => item.accountId === accountId);
  }
}

/** Huawei's answers to a logout, by HTTP status. */
const answers: Record<number, Omit<LogoutAnswer, 'upstreamMs'>> = {
  200: { outcome: 'REVOKED', attempts: 1, upstreamStatus: 200 },
  401: { outcome: 'ALREADY_INVALID', attempts: 1, upstreamStatus: 401 },
  503: { outcome: 'FAILED', attempts: 1, upstreamStatus: 503, failure: 'http-503' },
};

/**
 * Huawei, answering each token with a status (200 unless told), after `latencyMs`. Like the real
 * client it takes a turn at the gate for its attempt, and starts none that could not end by the
 * deadline; it counts the calls in flight at once.
 */
export class FakeUpstream implements TokenUpstream {
  readonly statusOf = new Map<string, number>();
  readonly called: string[] = [];
  validated: string[] = [];
  inFlight = 0;
  maxInFlight = 0;

  constructor(
    private readonly config: RevocationConfig,
    private readonly latencyMs = 0,
    /** Runs when a call starts, before its answer: a test's hook into the middle of a call. */
    private readonly during: (token: string) => Promise<void> = async () => {},
  ) {}

  async logout(token: string, call: UpstreamCall & { gate?: UpstreamGate | undefined }) {
    const permit = await call.gate?.acquire(false);
    try {
      if (call.deadline !== undefined && Date.now() + this.config.timeoutMs > call.deadline) {
        return { outcome: 'FAILED' as const, attempts: 0, failure: 'deadline', upstreamMs: 0 };
      }
      this.inFlight += 1;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      this.called.push(token);
      try {
        await this.during(token);
        await sleep(this.latencyMs);
      } finally {
        this.inFlight -= 1;
      }
      const answer = answers[this.statusOf.get(token) ?? 200] ?? answers[503];
      return { ...answer, upstreamMs: this.latencyMs } as LogoutAnswer;
    } finally {
      if (permit && call.gate) call.gate.release(permit, 'served');
    }
  }

  async validate(token: string): Promise<'dead' | 'alive' | 'unknown'> {
    this.validated.push(token);
    return this.called.includes(token) ? 'dead' : 'alive';
  }
}

export class FakeEvents implements OutcomeAnnouncer {
  readonly added: OutcomeRecord[] = [];
  add(record: OutcomeRecord): void {
    this.added.push(record);
  }
}

export interface FakeServices extends RevocationServices {
  config: RevocationConfig;
  secrets: FakeSecrets;
  outcomes: FakeLedger;
  meeting: FakeUpstream;
  events: FakeEvents;
}

export const fakeServices = (
  options: {
    config?: Partial<RevocationConfig>;
    latencyMs?: number;
    during?: (token: string) => Promise<void>;
  } = {},
): FakeServices => {
  const config = { maxAttempts: 1, timeoutMs: 1000, verifyRevocation: false, ...options.config };
  return {
    config,
    secrets: new FakeSecrets(),
    outcomes: new FakeLedger(),
    meeting: new FakeUpstream(config, options.latencyMs, options.during),
    events: new FakeEvents(),
  };
};
