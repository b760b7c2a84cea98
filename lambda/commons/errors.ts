// Error classes of the function. Messages never carry a token: they name variables, accounts,
// AWS error names and HTTP statuses only.

/** A setting in the environment is missing or invalid; the message names the variable. */
export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
  }
}

/** An event that no trigger recognises: it must reach the dead-letter path, not vanish. */
export class UnknownEventError extends Error {
  override name = 'UnknownEventError';
}

/** An event of a known trigger whose payload is invalid (e.g. a malformed account id). */
export class InvalidEventError extends Error {
  override name = 'InvalidEventError';
}

/** Secrets Manager failed for a reason other than "no such secret" (throttling, access denied...). */
export class SecretReadError extends Error {
  override name = 'SecretReadError';
  constructor(
    readonly accountId: string,
    readonly awsErrorName: string,
    options?: { cause?: unknown },
  ) {
    super(`could not read the secret of account ${accountId}: ${awsErrorName}`, options);
  }
}

/** The outcome record could not be written: the revocation must not be reported as a success. */
export class OutcomeRecordError extends Error {
  override name = 'OutcomeRecordError';
  constructor(
    readonly accountId: string,
    readonly awsErrorName: string,
    options?: { cause?: unknown },
  ) {
    super(`could not record the outcome for account ${accountId}: ${awsErrorName}`, options);
  }
}

/**
 * Some accounts of an offboarding event or sweep were not revoked: their revocation FAILED, its
 * outcome could not be recorded, or it was not started before the deadline. Thrown after
 * everything else is recorded, so that the platform's retry and dead-letter queue take over.
 */
export class RevocationsFailedError extends Error {
  override name = 'RevocationsFailedError';
  constructor(
    readonly accounts: readonly string[],
    readonly summary: {
      processed: number;
      outcomes: object;
      failed: number;
      unrecorded: number;
      notStarted: number;
    },
  ) {
    super(
      `${accounts.length} account(s) not revoked (FAILED ${summary.failed}, ` +
        `unrecorded ${summary.unrecorded}, not started ${summary.notStarted}): ` +
        accounts.slice(0, 20).join(', ') +
        (accounts.length > 20 ? ', ...' : ''),
    );
  }
}

/** Accounts that SQS still refused after the retries: they are named, never dropped silently. */
export class QueueingError extends Error {
  override name = 'QueueingError';
  constructor(readonly accounts: readonly string[]) {
    super(
      `${accounts.length} account(s) could not be queued: ${accounts.slice(0, 20).join(', ')}` +
        (accounts.length > 20 ? ', ...' : ''),
    );
  }
}

/** The App ID secret cannot be used; the message never quotes it. */
export class AppCredentialsError extends Error {
  override name = 'AppCredentialsError';
  constructor(problem: string) {
    super(`the App ID secret (MEETING_APP_SECRET_ID) ${problem}`);
  }
}

/**
 * A rotation step refused (the event does not fit the secret) or failed (Huawei, Secrets
 * Manager): Secrets Manager sees the step fail and retries it; the current token stays current
 * unless the step that failed came after the promotion.
 */
export class RotationError extends Error {
  override name = 'RotationError';
  constructor(
    readonly step: string,
    readonly failure: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`rotation step ${step} failed (${failure}): ${message}`, options);
  }
}

/** Offboarding revoked and recorded every account, but could not cancel some rotations. */
export class RotationNotCancelledError extends Error {
  override name = 'RotationNotCancelledError';
  constructor(readonly accounts: readonly string[]) {
    super(
      `rotation could not be cancelled (or its state read) for ${accounts.length} account(s); their tokens were revoked all the same: ` +
        accounts.slice(0, 20).join(', ') +
        (accounts.length > 20 ? ', ...' : ''),
    );
  }
}

/** The name of an AWS SDK error, or a generic label for anything else; never its message. */
export const awsErrorName = (error: unknown): string =>
  error instanceof Error && error.name ? error.name : 'UnknownError';
