// Local AWS Secrets Manager (JSON 1.1 protocol) for the real SDK client: secrets, versions, faults.
import { randomBytes, randomUUID } from 'node:crypto';
import {
  AwsError,
  AwsJsonServer,
  type InjectedError,
  optionalInt,
  requireString,
} from './awsJsonServer.js';

export type SecretValue = string | { binary: Uint8Array };

interface Version {
  id: string;
  value: SecretValue;
  createdDate: number;
  stages: string[];
}

interface Secret {
  name: string;
  arn: string;
  createdDate: number;
  lastChangedDate: number;
  deletedDate?: number;
  versions: Map<string, Version>;
}

interface Page<T> {
  items: T[];
  nextToken?: string;
}

const ACCOUNT = '123456789012';
const NOT_FOUND = "Secrets Manager can't find the specified secret.";
const MARKED = "You can't perform this operation on the secret because it was marked for deletion.";

export class SecretsManagerStandIn {
  readonly #server: AwsJsonServer;
  readonly #byName = new Map<string, Secret>();
  readonly #byArn = new Map<string, Secret>();
  // Sorted lazily: a test loads thousands of secrets, then pages through them many times.
  #sortedNames: string[] | undefined;
  /** Behave like a minimal look-alike that gives no VersionId in its answers. */
  omitVersionIds = false;
  /** Behave like a look-alike that answers BatchGetSecretValue with an empty 200. */
  emptyBatchAnswers = false;
  /** Secrets with rotation configured (name to rotation function ARN), see configureRotation. */
  readonly #rotationFunctions = new Map<string, string>();
  /** RotateSecret calls accepted, oldest first: the stand-in runs no rotation function. */
  readonly rotationsStarted: { secretName: string; versionId: string }[] = [];
  /** Secrets whose rotation was started and not yet ended with endRotation. */
  readonly #rotating = new Set<string>();

  private constructor(server: AwsJsonServer) {
    this.#server = server;
  }

  static async start(): Promise<SecretsManagerStandIn> {
    let instance: SecretsManagerStandIn | undefined;
    const server = await AwsJsonServer.start({
      targetPrefix: 'secretsmanager',
      contentType: 'application/x-amz-json-1.1',
      renderError: (error) => ({ body: { __type: error.type, message: error.message } }),
      dispatch: (operation, input) => instance!.#dispatch(operation, input),
    });
    instance = new SecretsManagerStandIn(server);
    return instance;
  }

  get endpoint(): string {
    return this.#server.endpoint;
  }

  /** Every call received, faulted ones included, in arrival order. */
  get calls(): { operation: string; input: Record<string, unknown> }[] {
    return this.#server.calls;
  }

  /**
   * Creates the secret or adds a version to it, moving AWSCURRENT there (the old current becomes
   * AWSPREVIOUS). Clears a deletion mark, as a restore followed by PutSecretValue would.
   */
  put(name: string, value: SecretValue): string {
    const now = nowSeconds();
    let secret = this.#byName.get(name);
    if (!secret) {
      const suffix = randomBytes(6).toString('base64url').slice(0, 6);
      const region = process.env['AWS_REGION'] ?? 'eu-west-1';
      secret = {
        name,
        arn: `arn:aws:secretsmanager:${region}:${ACCOUNT}:secret:${name}-${suffix}`,
        createdDate: now,
        lastChangedDate: now,
        versions: new Map(),
      };
      this.#byName.set(name, secret);
      this.#byArn.set(secret.arn, secret);
      this.#sortedNames = undefined;
    }
    for (const version of secret.versions.values()) {
      version.stages = version.stages.includes('AWSCURRENT') ? ['AWSPREVIOUS'] : [];
    }
    const id = randomUUID();
    const stored: SecretValue =
      typeof value === 'string' ? value : { binary: new Uint8Array(value.binary) };
    secret.versions.set(id, { id, value: stored, createdDate: now, stages: ['AWSCURRENT'] });
    secret.lastChangedDate = now;
    delete secret.deletedDate;
    return id;
  }

  delete(name: string): void {
    const secret = this.#byName.get(name);
    if (!secret) return;
    this.#byName.delete(name);
    this.#byArn.delete(secret.arn);
    this.#sortedNames = undefined;
  }

  markForDeletion(name: string): void {
    const secret = this.#byName.get(name);
    if (!secret) throw new Error(`no secret named ${name}`);
    secret.deletedDate = nowSeconds();
  }

  /** The ARN AWS would report for the secret, for tests that address it by ARN. */
  arnOf(name: string): string {
    const secret = this.#byName.get(name);
    if (!secret) throw new Error(`no secret named ${name}`);
    return secret.arn;
  }

  /**
   * Configures rotation of the secret with this rotation function, as the CDK app's rotation
   * schedule does; RotateSecret without a RotationLambdaARN is refused for any other secret.
   */
  configureRotation(name: string, lambdaArn: string): void {
    if (!this.#byName.has(name)) throw new Error(`no secret named ${name}`);
    this.#rotationFunctions.set(name, lambdaArn);
  }

  /** Ends a rotation started with RotateSecret, so that another may start. */
  endRotation(name: string): void {
    this.#rotating.delete(name);
  }

  /** The next `times` (default: all) calls of the operation fail with this error. */
  fail(operation: string, error: InjectedError, times?: number): void {
    this.#server.fail(operation, error, times);
  }

  reset(): void {
    this.#rotationFunctions.clear();
    this.rotationsStarted.length = 0;
    this.#rotating.clear();
    this.#byName.clear();
    this.#byArn.clear();
    this.#sortedNames = undefined;
    this.#server.reset();
  }

  stop(): Promise<void> {
    return this.#server.stop();
  }

  #dispatch(operation: string, input: Record<string, unknown>): unknown {
    switch (operation) {
      case 'GetSecretValue':
        return this.#withoutVersion(this.#getSecretValue(input));
      case 'DescribeSecret':
        return this.#describeSecret(input);
      case 'ListSecrets':
        return this.#listSecrets(input);
      case 'BatchGetSecretValue': {
        if (this.emptyBatchAnswers) return {};
        const answer = this.#batchGetSecretValue(input);
        return { ...answer, SecretValues: answer.SecretValues.map((v) => this.#withoutVersion(v)) };
      }
      case 'RotateSecret':
        return this.#rotateSecret(input);
      default:
        throw new AwsError(
          'UnknownOperationException',
          `The stand-in does not implement ${operation}.`,
        );
    }
  }

  #withoutVersion<T extends { VersionId?: string }>(value: T): T {
    if (!this.omitVersionIds) return value;
    const { VersionId: _omitted, ...rest } = value;
    return rest as T;
  }

  #find(secretId: string): Secret {
    const secret = this.#byName.get(secretId) ?? this.#byArn.get(secretId);
    if (!secret) throw new AwsError('ResourceNotFoundException', NOT_FOUND);
    return secret;
  }

  #getSecretValue(input: Record<string, unknown>) {
    const secret = this.#find(requireString(input, 'SecretId'));
    if (secret.deletedDate !== undefined) throw new AwsError('InvalidRequestException', MARKED);
    const versionId = input['VersionId'];
    const stage = input['VersionStage'];
    let version: Version | undefined;
    if (typeof versionId === 'string') {
      version = secret.versions.get(versionId);
      if (version && typeof stage === 'string' && !version.stages.includes(stage)) {
        throw new AwsError(
          'InvalidRequestException',
          'You provided a VersionStage that is not attached to the VersionId.',
        );
      }
    } else {
      const wanted = typeof stage === 'string' ? stage : 'AWSCURRENT';
      version = [...secret.versions.values()].find((v) => v.stages.includes(wanted));
    }
    if (!version) {
      throw new AwsError(
        'ResourceNotFoundException',
        "Secrets Manager can't find the specified secret value for the given version.",
      );
    }
    return secretValueEntry(secret, version);
  }

  /**
   * Accepts a rotation like AWS does (rotation configured, none already pending) and records it,
   * answering the new version's id. It runs no rotation function and creates no AWSPENDING
   * version: a test plays the rotation function's steps itself.
   */
  #rotateSecret(input: Record<string, unknown>) {
    const secret = this.#find(requireString(input, 'SecretId'));
    if (secret.deletedDate !== undefined) throw new AwsError('InvalidRequestException', MARKED);
    const lambdaArn = input['RotationLambdaARN'];
    if (typeof lambdaArn === 'string') this.#rotationFunctions.set(secret.name, lambdaArn);
    if (!this.#rotationFunctions.has(secret.name)) {
      throw new AwsError(
        'InvalidRequestException',
        'No Lambda rotation function ARN is associated with this secret.',
      );
    }
    const pending = [...secret.versions.values()].some((v) => v.stages.includes('AWSPENDING'));
    if (pending || this.#rotating.has(secret.name)) {
      throw new AwsError(
        'InvalidRequestException',
        "A previous rotation isn't complete. That rotation will be reattempted.",
      );
    }
    const token = input['ClientRequestToken'];
    const versionId = typeof token === 'string' ? token : randomUUID();
    this.#rotating.add(secret.name);
    this.rotationsStarted.push({ secretName: secret.name, versionId });
    return { ARN: secret.arn, Name: secret.name, VersionId: versionId };
  }

  #describeSecret(input: Record<string, unknown>) {
    const secret = this.#find(requireString(input, 'SecretId'));
    const { SecretVersionsToStages, ...rest } = listEntry(secret);
    // DescribeSecret names the same map differently from ListSecrets.
    return { ...rest, VersionIdsToStages: SecretVersionsToStages };
  }

  #listSecrets(input: Record<string, unknown>) {
    const maxResults = optionalInt(input, 'MaxResults', { min: 1, max: 100, fallback: 100 });
    const includeDeleted = input['IncludePlannedDeletion'] === true;
    const page = this.#page(input, maxResults, (secret) =>
      includeDeleted || secret.deletedDate === undefined ? secret : undefined,
    );
    return { SecretList: page.items.map(listEntry), NextToken: page.nextToken };
  }

  #batchGetSecretValue(input: Record<string, unknown>) {
    const ids = input['SecretIdList'];
    const hasFilters = input['Filters'] !== undefined;
    if (ids !== undefined && hasFilters) {
      throw new AwsError(
        'InvalidParameterException',
        'Either SecretIdList or Filters must be provided, not both.',
      );
    }
    if (ids !== undefined) {
      if (
        !Array.isArray(ids) ||
        ids.length === 0 ||
        ids.length > 20 ||
        !ids.every((id) => typeof id === 'string')
      ) {
        throw new AwsError(
          'InvalidParameterException',
          'SecretIdList must hold from 1 to 20 secret ids.',
        );
      }
      const values: ReturnType<typeof secretValueEntry>[] = [];
      const errors: { SecretId: string; ErrorCode: string; Message: string }[] = [];
      for (const id of ids as string[]) {
        const secret = this.#byName.get(id) ?? this.#byArn.get(id);
        const current = secret && currentVersion(secret);
        if (!secret || !current) {
          errors.push({ SecretId: id, ErrorCode: 'ResourceNotFoundException', Message: NOT_FOUND });
        } else if (secret.deletedDate !== undefined) {
          errors.push({ SecretId: id, ErrorCode: 'InvalidRequestException', Message: MARKED });
        } else {
          values.push(secretValueEntry(secret, current));
        }
      }
      return { SecretValues: values, Errors: errors };
    }
    if (!hasFilters) {
      throw new AwsError(
        'InvalidParameterException',
        'Either SecretIdList or Filters is required.',
      );
    }
    const maxResults = optionalInt(input, 'MaxResults', { min: 1, max: 20, fallback: 20 });
    const page = this.#page(input, maxResults, (secret) => {
      if (secret.deletedDate !== undefined) return undefined;
      const current = currentVersion(secret);
      return current && secretValueEntry(secret, current);
    });
    return { SecretValues: page.items, Errors: [], NextToken: page.nextToken };
  }

  /**
   * One page of secrets in name order, after NextToken, matching Filters. The token is the last
   * name served, so a page costs a binary search plus the page itself, not a scan of the store.
   */
  #page<T>(
    input: Record<string, unknown>,
    maxResults: number,
    select: (secret: Secret) => T | undefined,
  ): Page<T> {
    const prefixes = namePrefixes(input['Filters']);
    const names = this.#names();
    let start = 0;
    const token = input['NextToken'];
    if (token !== undefined && token !== null) {
      start = upperBound(names, decodeToken(token));
    }
    // Nothing sorts before the smallest prefix can match: skip straight to it.
    if (prefixes) start = Math.max(start, lowerBound(names, prefixes.reduce(minString)));

    const items: T[] = [];
    let lastName: string | undefined;
    for (let i = start; i < names.length; i += 1) {
      const name = names[i]!;
      if (prefixes) {
        if (!prefixes.some((prefix) => name.startsWith(prefix))) {
          // Sorted order: once past every prefix, no later name can match any of them.
          if (prefixes.every((prefix) => name > prefix)) break;
          continue;
        }
      }
      const secret = this.#byName.get(name);
      const item = secret && select(secret);
      if (item === undefined) continue;
      if (items.length === maxResults) {
        return { items, nextToken: encodeToken(lastName!) };
      }
      items.push(item);
      lastName = name;
    }
    return { items };
  }

  #names(): string[] {
    this.#sortedNames ??= [...this.#byName.keys()].sort(compareStrings);
    return this.#sortedNames;
  }
}

function nowSeconds(): number {
  return Date.now() / 1000;
}

function currentVersion(secret: Secret): Version | undefined {
  for (const version of secret.versions.values()) {
    if (version.stages.includes('AWSCURRENT')) return version;
  }
  return undefined;
}

function secretValueEntry(secret: Secret, version: Version) {
  const value =
    typeof version.value === 'string'
      ? { SecretString: version.value }
      : { SecretBinary: Buffer.from(version.value.binary).toString('base64') };
  return {
    ARN: secret.arn,
    Name: secret.name,
    VersionId: version.id,
    ...value,
    VersionStages: [...version.stages],
    CreatedDate: version.createdDate,
  };
}

function listEntry(secret: Secret) {
  const versionIdsToStages: Record<string, string[]> = {};
  for (const version of secret.versions.values()) {
    if (version.stages.length > 0) versionIdsToStages[version.id] = [...version.stages];
  }
  return {
    ARN: secret.arn,
    Name: secret.name,
    CreatedDate: secret.createdDate,
    LastChangedDate: secret.lastChangedDate,
    DeletedDate: secret.deletedDate,
    SecretVersionsToStages: versionIdsToStages,
  };
}

/** The `name` filter values, or undefined for no filtering. Other keys are refused, not ignored. */
function namePrefixes(filters: unknown): string[] | undefined {
  if (filters === undefined || filters === null) return undefined;
  if (!Array.isArray(filters)) {
    throw new AwsError('InvalidParameterException', 'Filters must be a list.');
  }
  const prefixes: string[] = [];
  for (const filter of filters as unknown[]) {
    const { Key: key, Values: values } = (filter ?? {}) as { Key?: unknown; Values?: unknown };
    if (key !== 'name') {
      throw new AwsError(
        'InvalidParameterException',
        `The stand-in only supports the 'name' filter, not '${String(key)}'.`,
      );
    }
    if (!Array.isArray(values) || !values.every((v) => typeof v === 'string' && v !== '')) {
      throw new AwsError('InvalidParameterException', 'Filter values must be non-empty strings.');
    }
    prefixes.push(...(values as string[]));
  }
  return prefixes.length > 0 ? prefixes : undefined;
}

function encodeToken(lastName: string): string {
  return Buffer.from(JSON.stringify({ after: lastName })).toString('base64url');
}

function decodeToken(token: unknown): string {
  try {
    if (typeof token !== 'string') throw new Error('type');
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      after?: unknown;
    };
    if (typeof parsed.after !== 'string') throw new Error('shape');
    return parsed.after;
  } catch {
    throw new AwsError('InvalidNextTokenException', 'The NextToken value is invalid.');
  }
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function minString(a: string, b: string): string {
  return a < b ? a : b;
}

/** First index whose name is >= value. */
function lowerBound(names: string[], value: string): number {
  let low = 0;
  let high = names.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (names[mid]! < value) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** First index whose name is > value. */
function upperBound(names: string[], value: string): number {
  let low = 0;
  let high = names.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (names[mid]! <= value) low = mid + 1;
    else high = mid;
  }
  return low;
}
