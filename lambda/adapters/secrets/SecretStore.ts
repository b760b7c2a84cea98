// Reads service-account tokens from AWS Secrets Manager: one account at a time for the API and
// events, page by page for the sweep. Tokens are never cached beyond the call that needs them.
import {
  BatchGetSecretValueCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { awsErrorName, SecretReadError } from '../../commons/errors.js';
import { logger } from '../../commons/powertools.js';
import { readToken } from './extractToken.js';

export type LoadedToken =
  | { found: true; token: string; versionId: string | undefined }
  | { found: false; versionId?: string; malformed?: true };

/** Errors that mean "this account has no secret", as opposed to "we could not look". */
const isMissing = (error: unknown): boolean => {
  const name = awsErrorName(error);
  if (name === 'ResourceNotFoundException') return true;
  // A secret scheduled for deletion answers InvalidRequestException: it is on its way out.
  return (
    name === 'InvalidRequestException' &&
    error instanceof Error &&
    /marked for deletion|scheduled for deletion/i.test(error.message)
  );
};

export class SecretStore {
  /** Set once BatchGetSecretValue proved unusable here (IAM, or a look-alike without it). */
  private batchUnsupported = false;

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly prefix: string,
    private readonly tokenField: string,
  ) {}

  secretName(accountId: string): string {
    return `${this.prefix}${accountId}`;
  }

  /** The account of a secret name, or undefined when the name is not under the prefix. */
  accountIdOf(secretName: string): string | undefined {
    return secretName.startsWith(this.prefix) ? secretName.slice(this.prefix.length) : undefined;
  }

  /**
   * Loads an account's token: the current one, or that of exactly `versionId` (a rotation's
   * replaced or pending version). Throws SecretReadError for anything but "no such secret".
   */
  async load(accountId: string, versionId?: string): Promise<LoadedToken> {
    try {
      const secret = await this.client.send(
        new GetSecretValueCommand({
          SecretId: this.secretName(accountId),
          ...(versionId ? { VersionId: versionId } : {}),
        }),
      );
      return this.toLoaded(secret.SecretString, secret.VersionId);
    } catch (error) {
      if (isMissing(error)) return { found: false };
      throw new SecretReadError(accountId, awsErrorName(error), { cause: error });
    }
  }

  toLoaded(secretString: string | undefined, versionId: string | undefined): LoadedToken {
    const reading = readToken(secretString, this.tokenField);
    if ('token' in reading) return { found: true, token: reading.token, versionId };
    return {
      found: false,
      ...(versionId ? { versionId } : {}),
      ...('malformed' in reading ? { malformed: true } : {}),
    };
  }

  /**
   * The account ids of every secret under the prefix, a page at a time. Secrets Manager's name
   * filter matches more than a strict prefix (and ignores case), so each name is checked again.
   */
  async *listAccountIds({
    onRotating,
  }: {
    onRotating?: (accountId: string) => void;
  } = {}): AsyncGenerator<string[]> {
    let nextToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListSecretsCommand({
          Filters: [{ Key: 'name', Values: [this.prefix] }],
          MaxResults: 100,
          NextToken: nextToken,
          IncludePlannedDeletion: false,
        }),
      );
      const ids: string[] = [];
      for (const secret of page.SecretList ?? []) {
        const accountId = secret.Name ? this.accountIdOf(secret.Name) : undefined;
        if (accountId === undefined) continue;
        // A rotating secret's token is bounded by its rotation: the caller may leave it alone.
        if (onRotating && secret.RotationEnabled === true) onRotating(accountId);
        else ids.push(accountId);
      }
      if (ids.length > 0) yield ids;
      nextToken = page.NextToken;
    } while (nextToken);
  }

  /**
   * Loads up to 20 accounts' tokens in one call. Accounts whose secret is missing come back
   * not found; any other per-secret error is a SecretReadError in the map, not a throw.
   */
  async loadMany(
    accountIds: readonly string[],
  ): Promise<Map<string, LoadedToken | SecretReadError>> {
    if (accountIds.length === 0) return new Map();
    if (this.batchUnsupported) return this.loadOneByOne(accountIds, new Map());
    let results: Map<string, LoadedToken | SecretReadError>;
    try {
      results = await this.loadBatch(accountIds);
    } catch (error) {
      // BatchGetSecretValue needs its own IAM action and is missing from some Secrets Manager
      // look-alikes: one account at a time is slower but reads the same secrets. Throttling and
      // service errors pass; anything else is remembered, so the next pages skip the batch call.
      const name = awsErrorName(error);
      if (!/Throttl|InternalServiceError|TimeoutError/.test(name)) this.batchUnsupported = true;
      logger.warn('BatchGetSecretValue failed; reading the secrets one by one', {
        error: name,
        count: accountIds.length,
      });
      return this.loadOneByOne(accountIds, new Map());
    }
    if (results.size === 0) {
      // An answer naming none of the ids is a look-alike that does not really implement it.
      this.batchUnsupported = true;
      logger.warn(
        'BatchGetSecretValue answered about none of the secrets; reading them one by one',
      );
    }
    return this.loadOneByOne(accountIds, results);
  }

  /** Reads, one GetSecretValue each, the accounts `results` does not hold yet. */
  private async loadOneByOne(
    accountIds: readonly string[],
    results: Map<string, LoadedToken | SecretReadError>,
  ): Promise<Map<string, LoadedToken | SecretReadError>> {
    await Promise.all(
      accountIds
        .filter((accountId) => !results.has(accountId))
        .map(async (accountId) => {
          results.set(
            accountId,
            await this.load(accountId).catch((failure: unknown) =>
              failure instanceof SecretReadError
                ? failure
                : new SecretReadError(accountId, awsErrorName(failure)),
            ),
          );
        }),
    );
    return results;
  }

  private async loadBatch(
    accountIds: readonly string[],
  ): Promise<Map<string, LoadedToken | SecretReadError>> {
    const results = new Map<string, LoadedToken | SecretReadError>();
    const byName = new Map(accountIds.map((id) => [this.secretName(id), id]));
    const answer = await this.client.send(
      new BatchGetSecretValueCommand({ SecretIdList: [...byName.keys()] }),
    );
    for (const value of answer.SecretValues ?? []) {
      const accountId = (value.Name && byName.get(value.Name)) ?? this.accountIdOfArn(value.ARN);
      if (accountId !== undefined) {
        results.set(accountId, this.toLoaded(value.SecretString, value.VersionId));
      }
    }
    for (const error of answer.Errors ?? []) {
      const accountId = error.SecretId
        ? (byName.get(error.SecretId) ?? this.accountIdOf(error.SecretId))
        : undefined;
      if (accountId === undefined) continue;
      const code = error.ErrorCode ?? 'UnknownError';
      const missing =
        code === 'ResourceNotFoundException' ||
        (code === 'InvalidRequestException' && /deletion/i.test(error.Message ?? ''));
      results.set(accountId, missing ? { found: false } : new SecretReadError(accountId, code));
    }
    // An id the answer did not mention is read on its own by the caller, never skipped.
    return results;
  }

  private accountIdOfArn(arn: string | undefined): string | undefined {
    // ARN: arn:aws:secretsmanager:region:account:secret:NAME-6RandomChars
    const match = arn?.match(/:secret:(.+)-[A-Za-z0-9]{6}$/);
    return match?.[1] ? this.accountIdOf(match[1]) : undefined;
  }
}
