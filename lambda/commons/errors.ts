// Error classes of the function. Messages never carry a token: they name variables, accounts,
// AWS error names and HTTP statuses only.

/** The base of every error the function throws on purpose: `instanceof RevokerError` tells them apart. */
export class RevokerError extends Error {
  override name = 'RevokerError';
}

/**
 * A RevokerError that only names itself: most errors here carry nothing but their message, and
 * their name is what logs, tests and `instanceof` tell them apart by.
 */
const namedError = (errorName: string) =>
  class extends RevokerError {
    override name = errorName;
  };

/** At most twenty accounts, named in a message. */
const accountList = (accounts: readonly string[]): string =>
  accounts.slice(0, 20).join(', ') + (accounts.length > 20 ? ', ...' : '');

/** A setting in the environment is missing or invalid; the message names the variable. */
export class ConfigurationError extends RevokerError {
  override name = 'ConfigurationError';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
  }
}

/** An event that no trigger recognises: it must reach the dead-letter path, not vanish. */
export class UnknownEventError extends namedError('UnknownEventError') {}

/** An event of a known trigger whose payload is invalid (e.g. a malformed account id). */
export class InvalidEventError extends namedError('InvalidEventError') {}

/**
 * The outcome record could not be written: the revocation must not be reported as a success. The
 * message names the account and the AWS error only.
 */
export class OutcomeRecordError extends RevokerError {
  override name = 'OutcomeRecordError';
  constructor(
    readonly accountId: string,
    readonly awsErrorName: string,
    options?: { cause?: unknown },
  ) {
    super(`could not record the outcome for account ${accountId}: ${awsErrorName}`, options);
  }
}

/** The outcome table left part of a batch read unanswered after every retry. */
export class OutcomeTableError extends namedError('OutcomeTableError') {}

/** Outcome events EventBridge still refused after the retries (the records are written). */
export class OutcomeEventsError extends namedError('OutcomeEventsError') {}

/** A work-queue message whose revocation ended FAILED: the message goes back to the queue. */
export class MessageFailedError extends namedError('MessageFailedError') {}

/**
 * Some accounts of an offboarding event or sweep were not revoked: their revocation FAILED, its
 * outcome could not be recorded, or it was not started before the deadline. Thrown after
 * everything else is recorded, so that the platform's retry and dead-letter queue take over.
 */
export class RevocationsFailedError extends RevokerError {
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
        accountList(accounts),
    );
  }
}

/** Accounts that SQS still refused after the retries: they are named, never dropped silently. */
export class QueueingError extends RevokerError {
  override name = 'QueueingError';
  constructor(readonly accounts: readonly string[]) {
    super(`${accounts.length} account(s) could not be queued: ${accountList(accounts)}`);
  }
}

/** The App ID secret cannot be used; the message never quotes it. */
export class AppCredentialsError extends RevokerError {
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
export class RotationError extends RevokerError {
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
export class RotationNotCancelledError extends RevokerError {
  override name = 'RotationNotCancelledError';
  constructor(readonly accounts: readonly string[]) {
    super(
      `rotation could not be cancelled (or its state read) for ${accounts.length} account(s); their tokens were revoked all the same: ` +
        accountList(accounts),
    );
  }
}

/** The name of an AWS SDK error, or a generic label for anything else; never its message. */
export const awsErrorName = (error: unknown): string =>
  error instanceof Error && error.name ? error.name : 'UnknownError';
