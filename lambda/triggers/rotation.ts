// Rotation: the function as Secrets Manager's rotation function for account secrets. Four steps,
// each safe to repeat: createSecret mints a new token (App ID authentication) into the pending
// version, setSecret has nothing to do, testSecret has Huawei validate it, finishSecret promotes
// it and revokes the token it replaced through the one revocation path (trigger `rotation`).
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import * as v from 'valibot';
import type { MintResult } from '../adapters/meeting/MeetingClient.js';
import type { ClaimRef } from '../adapters/OutcomeStore.js';
import { readToken } from '../adapters/secrets/extractToken.js';
import {
  isMissingSecret,
  type SecretVersions,
  versionWithStage,
} from '../adapters/secrets/SecretVersions.js';
import { awsErrorName, ConfigurationError, RotationError } from '../commons/errors.js';
import { count, logger } from '../commons/powertools.js';
import { rememberSecret } from '../commons/redaction.js';
import { jsonObject, maxChars } from '../commons/schemas.js';
import type { Config } from '../composition/config.js';
import type { Services, ServicesProvider } from '../composition/services.js';
import { isAccountId } from '../core/accountId.js';
import { deadlineOf } from '../core/deadline.js';
import { newRequestId, revoke } from '../core/revoke.js';
import { parseEvent } from './parseEvent.js';

export const ROTATION_FAILED_METRIC = 'RotationFailed';
export const ROTATION_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
export type RotationStep = (typeof ROTATION_STEPS)[number];

/**
 * How long a createSecret that may have minted keeps other attempts at the same version from
 * minting again: a mint that reached Huawei takes one of the user id's 64 token slots, whether or
 * not its answer came back. See docs/FAULTS.md, "a mint whose token could not be stored".
 */
export const MINT_LEASE_MS = 15 * 60 * 1000;

const RotationEventSchema = jsonObject({
  SecretId: v.pipe(v.string(), v.minLength(1), maxChars(2048)),
  // Secrets Manager's version ids (ClientRequestToken): 32 to 64 characters.
  ClientRequestToken: v.pipe(v.string(), v.regex(/^[A-Za-z0-9-]{32,64}$/)),
  Step: v.picklist(ROTATION_STEPS),
});

export interface RotationResult {
  step: RotationStep;
  accountId: string;
  versionId: string;
  /** What the step did: `minted`, `already-created`, `validated`, `promoted`, ... */
  done: string;
  /** finishSecret: the replaced version, and what became of its token. */
  replacedVersionId?: string;
  revocation?: string;
}

export const parseRotationEvent = (event: unknown) =>
  parseEvent(RotationEventSchema, event, 'rotation');

/** Rotation's own settings, checked before any call: a step must not half-happen for want of them. */
export const requireRotationSettings = (config: Config): { appSecretId: string } => {
  if (!config.meetingAppSecretId) {
    throw new ConfigurationError(
      'MEETING_APP_SECRET_ID',
      'is required for rotation (the secret holding the App ID and App Key)',
    );
  }
  if (config.rotationGraceSeconds > 0 && !config.workQueueUrl) {
    throw new ConfigurationError(
      'ROTATION_GRACE_SECONDS',
      `is ${config.rotationGraceSeconds}, which needs WORK_QUEUE_URL (the old token is revoked by a delayed work-queue message)`,
    );
  }
  return { appSecretId: config.meetingAppSecretId };
};

const refuse = (step: string, failure: string, message: string): never => {
  throw new RotationError(step, failure, message);
};

export const handleRotation = async (
  event: unknown,
  context: Context,
  provide: ServicesProvider,
): Promise<RotationResult> => {
  let step = 'unknown';
  let accountId: string | undefined;
  try {
    const services = provide();
    const parsed = parseRotationEvent(event);
    step = parsed.Step;
    const { appSecretId } = requireRotationSettings(services.config);
    const rotation = new Rotation(
      services,
      services.versions,
      appSecretId,
      parsed.SecretId,
      parsed.ClientRequestToken,
      deadlineOf(context),
    );
    const result = await rotation.run(parsed.Step, (id) => {
      accountId = id;
    });
    logger.info('rotation step done', { ...result });
    return result;
  } catch (error) {
    count('rotation', ROTATION_FAILED_METRIC);
    logger.error('rotation step failed', {
      step,
      accountId,
      failure: error instanceof RotationError ? error.failure : awsErrorName(error),
      error: error as Error,
    });
    throw error;
  }
};

class Rotation {
  constructor(
    private readonly services: Services,
    private readonly versions: SecretVersions,
    private readonly appSecretId: string,
    private readonly secretId: string,
    private readonly versionId: string,
    private readonly deadline: number | undefined,
  ) {}

  async run(step: RotationStep, onAccount: (accountId: string) => void): Promise<RotationResult> {
    const { secretPrefix } = this.services.config;
    let secret: Awaited<ReturnType<SecretVersions['describe']>>;
    try {
      secret = await this.versions.describe(this.secretId);
    } catch (error) {
      if (isMissingSecret(error)) refuse(step, 'secret-not-found', 'no such secret');
      throw new RotationError(step, `SecretsManager:${awsErrorName(error)}`, 'DescribeSecret', {
        cause: error,
      });
    }
    if (!secret.name.startsWith(secretPrefix)) {
      refuse(step, 'outside-prefix', 'the secret is not under SECRET_PREFIX');
    }
    const accountId = secret.name.slice(secretPrefix.length);
    if (!isAccountId(accountId)) {
      refuse(step, 'invalid-account-id', 'the secret name less SECRET_PREFIX is not an account id');
    }
    onAccount(accountId);
    logger.info('rotation step', { step, accountId, versionId: this.versionId });
    if (!secret.rotationEnabled) {
      refuse(step, 'rotation-not-enabled', `rotation is not enabled for account ${accountId}`);
    }
    const stages = secret.versions[this.versionId];
    if (!stages) {
      refuse(step, 'unknown-version', 'ClientRequestToken is not a version of the secret');
    }
    const base = { step, accountId, versionId: this.versionId };
    if (stages?.includes('AWSCURRENT')) {
      // A step repeated after the promotion: only finishSecret has anything left to do.
      if (step !== 'finishSecret') return { ...base, done: 'already-current' };
      return { ...base, ...(await this.finishAgain(accountId, secret.versions)) };
    }
    if (!stages?.includes('AWSPENDING')) {
      refuse(step, 'not-pending', 'the version is neither AWSPENDING nor AWSCURRENT');
    }
    switch (step) {
      case 'createSecret':
        return { ...base, done: await this.create(accountId) };
      case 'setSecret':
        // Huawei already holds the new token: there is no other system to tell.
        return { ...base, done: 'nothing-to-set' };
      case 'testSecret':
        return { ...base, done: await this.test() };
      case 'finishSecret':
        return { ...base, ...(await this.finish(accountId, secret.versions)) };
    }
  }

  /** createSecret: mint once for this version, store it as AWSPENDING. */
  private async create(accountId: string): Promise<string> {
    const step = 'createSecret';
    const existing = await this.versions.valueOf(this.secretId, {
      versionId: this.versionId,
      stage: 'AWSPENDING',
    });
    if (existing?.secretString !== undefined) return 'already-created';

    const current = await this.versions.valueOf(this.secretId, { stage: 'AWSCURRENT' });
    if (current?.secretString === undefined) {
      refuse(step, 'no-current-value', 'the secret has no AWSCURRENT value to rotate from');
    }
    const shape = shapeOf(current?.secretString ?? '', this.services.config, accountId);
    if (shape === undefined) {
      refuse(step, 'secret-malformed', 'the current secret is JSON but not an object');
    }
    const { userId, build } = shape as SecretShape;
    if (userId.includes(':') || userId.length > 256) {
      refuse(step, 'invalid-user-id', 'the Huawei user id is not usable (a colon, or too long)');
    }

    // Read only now, when a mint needs it, and only ever used as the HMAC key.
    const credentials = await this.versions.appCredentials(this.appSecretId).catch((error) => {
      throw new RotationError(step, 'app-credentials', (error as Error).message, { cause: error });
    });
    const forgetKey = rememberSecret(credentials.appKey);
    try {
      const { outcomes, meeting } = this.services;
      const owner = randomUUID();
      const mint = { accountId, secretVersionId: this.versionId, purpose: 'mint' } as const;
      const claimed = await outcomes.claim(mint, owner, Date.now() + MINT_LEASE_MS);
      if (!claimed) {
        refuse(
          step,
          'mint-in-progress',
          'another attempt minted (or is minting) for this version; its token is not stored yet',
        );
      }
      const requestId = newRequestId();
      const minted: MintResult = await meeting.mint(credentials, userId, {
        requestId,
        deadline: this.deadline,
      });
      if (minted.kind === 'failed') {
        // Refused by Huawei (4xx) or never sent: no token exists, another attempt may mint.
        if (nothingMinted(minted)) {
          await outcomes.settleClaim(mint, owner, undefined);
        }
        refuse(
          step,
          `mint-${minted.failure}`,
          `App ID authentication failed${minted.upstreamErrorCode ? ` (${minted.upstreamErrorCode})` : ''}`,
        );
        return 'unreachable';
      }
      const forgetToken = rememberSecret(minted.token);
      try {
        const expiresAt = new Date(Date.now() + minted.validPeriodSeconds * 1000).toISOString();
        try {
          await this.versions.putPending(
            this.secretId,
            this.versionId,
            build(minted.token, expiresAt),
          );
        } catch (error) {
          await this.discardMinted(mint, minted.token, requestId, owner);
          throw new RotationError(step, `SecretsManager:${awsErrorName(error)}`, 'PutSecretValue', {
            cause: error,
          });
        }
        // The claim is left to its lease: a concurrent attempt that looked before this put must
        // not mint again, and any later one finds the value stored.
        return 'minted';
      } finally {
        forgetToken();
      }
    } finally {
      forgetKey();
    }
  }

  /**
   * A token minted but not stored would hold one of the user id's 64 slots for its whole life:
   * it is revoked at once, and only once it is dead may another attempt mint.
   */
  private async discardMinted(
    mint: ClaimRef,
    token: string,
    requestId: string,
    owner: string,
  ): Promise<void> {
    const result = await this.services.meeting.logout(token, {
      requestId,
      deadline: this.deadline,
    });
    const dead = result.outcome === 'REVOKED' || result.outcome === 'ALREADY_INVALID';
    logger.error('the new token could not be stored; it was revoked', {
      accountId: mint.accountId,
      requestId,
      outcome: result.outcome,
      failure: result.failure,
    });
    if (dead) await this.services.outcomes.settleClaim(mint, owner, undefined);
  }

  /** testSecret: Huawei's validate must answer 200 for the pending token. */
  private async test(): Promise<string> {
    const step = 'testSecret';
    const pending = await this.versions.valueOf(this.secretId, {
      versionId: this.versionId,
      stage: 'AWSPENDING',
    });
    const reading = readToken(pending?.secretString, this.services.config.secretTokenField);
    if (!('token' in reading)) {
      refuse(step, 'no-pending-token', 'the pending version holds no token');
      return 'unreachable';
    }
    const forget = rememberSecret(reading.token);
    try {
      const verdict = await this.services.meeting.validate(reading.token, {
        requestId: newRequestId(),
        deadline: this.deadline,
      });
      if (verdict !== 'alive') {
        refuse(
          step,
          verdict === 'dead' ? 'validate-refused' : 'validate-unknown',
          'Huawei did not confirm the new token; AWSCURRENT is unchanged',
        );
      }
      return 'validated';
    } finally {
      forget();
    }
  }

  /** finishSecret: promote the pending version, then revoke the token it replaced. */
  private async finish(accountId: string, versions: Record<string, string[]>) {
    const replaced = versionWithStage(versions, 'AWSCURRENT');
    await this.versions.promote(this.secretId, this.versionId, replaced).catch((error) => {
      throw new RotationError(
        'finishSecret',
        `SecretsManager:${awsErrorName(error)}`,
        'UpdateSecretVersionStage',
        { cause: error },
      );
    });
    logger.info('new token promoted to AWSCURRENT', { accountId, versionId: this.versionId });
    if (!replaced) return { done: 'promoted' };
    return { done: 'promoted', ...(await this.revokeReplaced(accountId, replaced)) };
  }

  /** A finishSecret repeated after the promotion: the replaced token may still be alive. */
  private async finishAgain(accountId: string, versions: Record<string, string[]>) {
    const replaced = versionWithStage(versions, 'AWSPREVIOUS');
    if (!replaced) return { done: 'already-current' };
    if (await this.services.outcomes.isVersionRevoked({ accountId, secretVersionId: replaced })) {
      return {
        done: 'already-current',
        replacedVersionId: replaced,
        revocation: 'ALREADY_REVOKED',
      };
    }
    return { done: 'already-current', ...(await this.revokeReplaced(accountId, replaced)) };
  }

  private async revokeReplaced(accountId: string, replaced: string) {
    const { config, queue } = this.services;
    if (config.rotationGraceSeconds > 0 && queue) {
      await queue
        .sendDelayed(
          {
            accountId,
            trigger: 'rotation',
            requestId: newRequestId(),
            secretVersionId: replaced,
            correlationId: this.versionId,
          },
          config.rotationGraceSeconds,
        )
        .catch((error) => {
          throw new RotationError(
            'finishSecret',
            `SQS:${awsErrorName(error)}`,
            'the delayed revocation of the replaced token could not be queued',
            { cause: error },
          );
        });
      return { replacedVersionId: replaced, revocation: 'QUEUED' };
    }
    const record = await revoke(
      {
        accountId,
        trigger: 'rotation',
        requestId: newRequestId(),
        secretVersionId: replaced,
        correlationId: this.versionId,
        deadline: this.deadline,
      },
      this.services,
    );
    if (record.outcome === 'FAILED') {
      refuse(
        'finishSecret',
        `revocation-${record.failure ?? 'failed'}`,
        `the replaced token of account ${accountId} was not revoked (recorded FAILED)`,
      );
    }
    return { replacedVersionId: replaced, revocation: record.outcome };
  }
}

interface SecretShape {
  userId: string;
  /** The pending version's value: the new token where the current one has its token. */
  build: (token: string, expiresAt: string) => string;
}

/**
 * How the current value looks, and so how the new one is built: a JSON object keeps every field
 * but the token and `expiresAt`; a plain string stays a plain string. Undefined: JSON that is
 * not an object, which no token may replace.
 */
const shapeOf = (current: string, config: Config, accountId: string): SecretShape | undefined => {
  if (!/^\s*[{["]/.test(current)) {
    return { userId: accountId, build: (token) => token };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(current);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const fields = parsed as Record<string, unknown>;
  const named = fields[config.secretUserIdField];
  const userId = typeof named === 'string' && named.trim() !== '' ? named.trim() : accountId;
  return {
    userId,
    build: (token, expiresAt) =>
      JSON.stringify({ ...fields, [config.secretTokenField]: token, expiresAt }),
  };
};

/** A mint that surely created no token: Huawei refused it (4xx), or it was never sent. */
const nothingMinted = (minted: Extract<MintResult, { kind: 'failed' }>): boolean =>
  (minted.upstreamStatus !== undefined &&
    minted.upstreamStatus >= 400 &&
    minted.upstreamStatus < 500 &&
    minted.upstreamStatus !== 408) ||
  minted.attempts === 0;
