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
  /** Undefined for the empty version RotateSecret creates before the rotation function runs. */
  value: SecretValue | undefined;
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

/** The event Secrets Manager invokes a rotation function with, one per step. */
export interface RotationStepEvent {
  SecretId: string;
  ClientRequestToken: string;
  Step: 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret';
  RotationToken: string;
}

export const ROTATION_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;

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
  /** RotateSecret calls accepted, oldest first. */
  readonly rotationsStarted: { secretName: string; versionId: string }[] = [];
  /**
   * The rotation function, as Secrets Manager would invoke it (local mode: the handler). Unset,
   * RotateSecret only creates the pending version and a test plays the steps itself.
   */
  rotationRunner: ((event: RotationStepEvent) => Promise<unknown>) | undefined;
  /** Secrets whose rotation is on (configured, not cancelled). */
  readonly #rotationEnabled = new Set<string>();
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
    this.#rotationEnabled.add(name);
  }

  /**
   * Ends a rotation started with RotateSecret, so that another may start: the pending version
   * loses its AWSPENDING stage, as an operator clears a failed rotation.
   */
  endRotation(name: string): void {
    this.#rotating.delete(name);
    const secret = this.#byName.get(name);
    for (const version of secret?.versions.values() ?? []) {
      if (!version.stages.includes('AWSCURRENT')) {
        version.stages = version.stages.filter((stage) => stage !== 'AWSPENDING');
      }
    }
  }

  /** The version ids of a secret with their stages, versions without a stage included. */
  versionsOf(name: string): { id: string; stages: string[]; value: SecretValue | undefined }[] {
    const secret = this.#byName.get(name);
    if (!secret) throw new Error(`no secret named ${name}`);
    return [...secret.versions.values()].map((v) => ({
      id: v.id,
      stages: [...v.stages],
      value: v.value,
    }));
  }

  /** The string value of the version holding `stage` (default AWSCURRENT). */
  valueAt(name: string, stage = 'AWSCURRENT'): string | undefined {
    const version = this.versionsOf(name).find((v) => v.stages.includes(stage));
    return typeof version?.value === 'string' ? version.value : undefined;
  }

  /**
   * Starts a rotation as RotateSecret does (the empty AWSPENDING version) without running any
   * step, for tests that play the steps one by one. Returns the pending version id.
   */
  beginRotation(name: string): string {
    const runner = this.rotationRunner;
    this.rotationRunner = undefined;
    try {
      return this.#startRotation({ SecretId: name }).answer.VersionId;
    } finally {
      this.rotationRunner = runner;
    }
  }

  /**
   * Starts a rotation as RotateSecret does and waits for the rotation function's four steps
   * (local mode). Resolves with the new version id, or rejects with the failing step's error.
   */
  async rotate(name: string): Promise<{ versionId: string }> {
    const started = this.#startRotation({ SecretId: name });
    if (!started.run) throw new Error('no rotationRunner: the stand-in cannot run the steps');
    await started.run();
    return { versionId: started.answer.VersionId };
  }

  /** The next `times` (default: all) calls of the operation fail with this error. */
  fail(operation: string, error: InjectedError, times?: number): void {
    this.#server.fail(operation, error, times);
  }

  reset(): void {
    this.#rotationFunctions.clear();
    this.#rotationEnabled.clear();
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
      case 'RotateSecret': {
        const started = this.#startRotation(input);
        // Secrets Manager invokes the rotation function asynchronously: RotateSecret answers first.
        if (started.run) {
          void started.run().catch(() => {
            // The failure is the function's to log; the rotation stays pending, as on AWS.
          });
        }
        return started.answer;
      }
      case 'PutSecretValue':
        return this.#putSecretValue(input);
      case 'UpdateSecretVersionStage':
        return this.#updateSecretVersionStage(input);
      case 'CancelRotateSecret':
        return this.#cancelRotateSecret(input);
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
    if (!version || version.value === undefined) {
      throw new AwsError(
        'ResourceNotFoundException',
        "Secrets Manager can't find the specified secret value for the given version.",
      );
    }
    return secretValueEntry(secret, version);
  }

  /**
   * Accepts a rotation like AWS does (rotation configured, none already pending), records it and
   * creates the empty AWSPENDING version named by ClientRequestToken. With a rotationRunner, `run`
   * plays the four steps; a rotation left pending by a failed step is then run again with the same
   * version, as Secrets Manager reattempts it.
   */
  #startRotation(input: Record<string, unknown>): {
    answer: { ARN: string; Name: string; VersionId: string };
    run?: () => Promise<void>;
  } {
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
    const pending = [...secret.versions.values()].find(
      (v) => v.stages.includes('AWSPENDING') && !v.stages.includes('AWSCURRENT'),
    );
    const runner = this.rotationRunner;
    if ((pending || this.#rotating.has(secret.name)) && !(runner && pending)) {
      throw new AwsError(
        'InvalidRequestException',
        "A previous rotation isn't complete. That rotation will be reattempted.",
      );
    }
    this.#rotationEnabled.add(secret.name);
    let versionId: string;
    if (pending) {
      versionId = pending.id;
    } else {
      const token = input['ClientRequestToken'];
      versionId = typeof token === 'string' ? token : randomUUID();
      for (const version of secret.versions.values()) {
        version.stages = version.stages.filter((stage) => stage !== 'AWSPENDING');
      }
      secret.versions.set(versionId, {
        id: versionId,
        value: undefined,
        createdDate: nowSeconds(),
        stages: ['AWSPENDING'],
      });
    }
    this.#rotating.add(secret.name);
    this.rotationsStarted.push({ secretName: secret.name, versionId });
    const answer = { ARN: secret.arn, Name: secret.name, VersionId: versionId };
    if (!runner) return { answer };
    const run = async () => {
      try {
        for (const step of ROTATION_STEPS) {
          await runner({
            SecretId: secret.arn,
            ClientRequestToken: versionId,
            Step: step,
            RotationToken: randomUUID(),
          });
        }
      } finally {
        this.#rotating.delete(secret.name);
      }
    };
    return { answer, run };
  }

  /** Stores a value in a new version, or in the empty one a rotation created; moves the stages. */
  #putSecretValue(input: Record<string, unknown>) {
    const secret = this.#find(requireString(input, 'SecretId'));
    if (secret.deletedDate !== undefined) throw new AwsError('InvalidRequestException', MARKED);
    const value = input['SecretString'];
    if (typeof value !== 'string' || value === '') {
      throw new AwsError('InvalidParameterException', 'SecretString is required by the stand-in.');
    }
    const token = input['ClientRequestToken'];
    const versionId = typeof token === 'string' ? token : randomUUID();
    const requested = input['VersionStages'];
    const stages = Array.isArray(requested) ? (requested as string[]) : ['AWSCURRENT'];
    const existing = secret.versions.get(versionId);
    if (existing?.value !== undefined) {
      // Idempotent for the same value, refused for another, as AWS does.
      if (existing.value === value)
        return {
          ARN: secret.arn,
          Name: secret.name,
          VersionId: versionId,
          VersionStages: existing.stages,
        };
      throw new AwsError(
        'ResourceExistsException',
        "You can't modify an existing version, you can only create a new version.",
      );
    }
    for (const stage of stages) this.#detachStage(secret, stage, versionId);
    const version: Version = existing ?? {
      id: versionId,
      value: undefined,
      createdDate: nowSeconds(),
      stages: [],
    };
    version.value = value;
    version.stages = [...new Set([...version.stages, ...stages])];
    secret.versions.set(versionId, version);
    secret.lastChangedDate = nowSeconds();
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: versionId,
      VersionStages: version.stages,
    };
  }

  /** A stage is on one version at most; moving AWSCURRENT leaves AWSPREVIOUS behind. */
  #detachStage(secret: Secret, stage: string, exceptVersionId: string): void {
    for (const version of secret.versions.values()) {
      if (version.id === exceptVersionId || !version.stages.includes(stage)) continue;
      version.stages = version.stages.filter((s) => s !== stage);
      if (stage === 'AWSCURRENT') {
        for (const other of secret.versions.values()) {
          other.stages = other.stages.filter((s) => s !== 'AWSPREVIOUS');
        }
        version.stages.push('AWSPREVIOUS');
      }
    }
  }

  #updateSecretVersionStage(input: Record<string, unknown>) {
    const secret = this.#find(requireString(input, 'SecretId'));
    const stage = requireString(input, 'VersionStage');
    const moveTo = input['MoveToVersionId'];
    const removeFrom = input['RemoveFromVersionId'];
    const holder = [...secret.versions.values()].find((v) => v.stages.includes(stage));
    if (typeof moveTo === 'string') {
      const target = secret.versions.get(moveTo);
      if (!target) {
        throw new AwsError('ResourceNotFoundException', `Version ${moveTo} not found.`);
      }
      if (holder && holder.id !== moveTo && holder.id !== removeFrom) {
        throw new AwsError(
          'InvalidParameterException',
          `The staging label ${stage} is currently attached to version ${holder.id}, so you must explicitly reference that version in RemoveFromVersionId.`,
        );
      }
      if (holder?.id !== moveTo) {
        this.#detachStage(secret, stage, moveTo);
        target.stages.push(stage);
      }
    } else if (typeof removeFrom === 'string') {
      const version = secret.versions.get(removeFrom);
      if (version) version.stages = version.stages.filter((s) => s !== stage);
    }
    secret.lastChangedDate = nowSeconds();
    return { ARN: secret.arn, Name: secret.name };
  }

  /** Turns rotation off; a pending version keeps its stage, as AWS leaves it. */
  #cancelRotateSecret(input: Record<string, unknown>) {
    const secret = this.#find(requireString(input, 'SecretId'));
    this.#rotationEnabled.delete(secret.name);
    this.#rotating.delete(secret.name);
    const pending = [...secret.versions.values()].find((v) => v.stages.includes('AWSPENDING'));
    return { ARN: secret.arn, Name: secret.name, ...(pending ? { VersionId: pending.id } : {}) };
  }

  #describeSecret(input: Record<string, unknown>) {
    const secret = this.#find(requireString(input, 'SecretId'));
    const { SecretVersionsToStages, ...rest } = this.#listEntry(secret);
    // DescribeSecret names the same map differently from ListSecrets.
    return { ...rest, VersionIdsToStages: SecretVersionsToStages };
  }

  #listSecrets(input: Record<string, unknown>) {
    const maxResults = optionalInt(input, 'MaxResults', { min: 1, max: 100, fallback: 100 });
    const includeDeleted = input['IncludePlannedDeletion'] === true;
    const page = this.#page(input, maxResults, (secret) =>
      includeDeleted || secret.deletedDate === undefined ? secret : undefined,
    );
    return {
      SecretList: page.items.map((secret) => this.#listEntry(secret)),
      NextToken: page.nextToken,
    };
  }

  #listEntry(secret: Secret) {
    const enabled = this.#rotationEnabled.has(secret.name);
    const lambdaArn = this.#rotationFunctions.get(secret.name);
    return {
      ...listEntry(secret),
      ...(enabled ? { RotationEnabled: true } : {}),
      ...(lambdaArn ? { RotationLambdaARN: lambdaArn } : {}),
    };
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
    version.value === undefined
      ? {}
      : typeof version.value === 'string'
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
