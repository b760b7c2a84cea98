// Reads service-account tokens from AWS Secrets Manager: one account at a time for the API and
// events, page by page for the sweep. Tokens are never cached beyond the call that needs them.
import {
  BatchGetSecretValueCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { awsErrorName } from '../../commons/errors.js';
import { logger } from '../../commons/powertools.js';
import type { SecretReader, SecretReading } from '../../core/ports.js';
import { readToken } from './extractToken.js';

/**
 * Whether an error (its name and message) means "this account has no secret", as opposed to "we
 * could not look". A secret scheduled for deletion answers InvalidRequestException: it is on its
 * way out.
 */
const isMissing = (name: string, message: string | undefined): boolean =>
  name === 'ResourceNotFoundException' ||
  (name === 'InvalidRequestException' &&
    /marked for deletion|scheduled for deletion/i.test(message ?? ''));

/** What a per-secret read error means: no secret, or a secret we could not read. */
const failedReading = (name: string, message: string | undefined): SecretReading =>
  isMissing(name, message) ? { kind: 'missing' } : { kind: 'unreadable', errorName: name };

export class SecretStore implements SecretReader {
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
   * replaced or pending version). Never throws: a secret that could not be read is `unreadable`.
   */
  async load(accountId: string, versionId?: string): Promise<SecretReading> {
    try {
      const secret = await this.client.send(
        new GetSecretValueCommand({
          SecretId: this.secretName(accountId),
          ...(versionId ? { VersionId: versionId } : {}),
        }),
      );
      return this.readingOf(secret.SecretString, secret.VersionId);
    } catch (error) {
      return failedReading(awsErrorName(error), error instanceof Error ? error.message : undefined);
    }
  }

  private readingOf(
    secretString: string | undefined,
    versionId: string | undefined,
  ): SecretReading {
    const reading = readToken(secretString, this.tokenField);
    if ('token' in reading) return { kind: 'found', token: reading.token, versionId };
    return {
      kind: 'malformed' in reading ? 'malformed' : 'missing',
      ...(versionId ? { versionId } : {}),
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
   * Loads up to 20 accounts' tokens in one call, each as `load` reads it: a per-secret error is
   * a reading in the map, not a throw.
   */
  async loadMany(accountIds: readonly string[]): Promise<Map<string, SecretReading>> {
    if (accountIds.length === 0) return new Map();
    if (this.batchUnsupported) return this.loadOneByOne(accountIds, new Map());
    let results: Map<string, SecretReading>;
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
    results: Map<string, SecretReading>,
  ): Promise<Map<string, SecretReading>> {
    await Promise.all(
      accountIds
        .filter((accountId) => !results.has(accountId))
        .map(async (accountId) => {
          results.set(accountId, await this.load(accountId));
        }),
    );
    return results;
  }

  private async loadBatch(accountIds: readonly string[]): Promise<Map<string, SecretReading>> {
    const results = new Map<string, SecretReading>();
    const byName = new Map(accountIds.map((id) => [this.secretName(id), id]));
    const answer = await this.client.send(
      new BatchGetSecretValueCommand({ SecretIdList: [...byName.keys()] }),
    );
    for (const value of answer.SecretValues ?? []) {
      const accountId = (value.Name && byName.get(value.Name)) ?? this.accountIdOfArn(value.ARN);
      if (accountId !== undefined) {
        results.set(accountId, this.readingOf(value.SecretString, value.VersionId));
      }
    }
    for (const error of answer.Errors ?? []) {
      const accountId = error.SecretId
        ? (byName.get(error.SecretId) ?? this.accountIdOf(error.SecretId))
        : undefined;
      if (accountId === undefined) continue;
      results.set(accountId, failedReading(error.ErrorCode ?? 'UnknownError', error.Message));
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
