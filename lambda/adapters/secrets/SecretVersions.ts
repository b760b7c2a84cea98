// The Secrets Manager calls of rotation and of final offboarding: a secret's versions and stages,
// a version's value, storing the pending token, promoting it, cancelling rotation, and reading
// the App ID secret. Values read here are handed back, never logged.
import {
  CancelRotateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { AppCredentialsError, awsErrorName } from '../../commons/errors.js';
import type { AppCredentials } from '../meeting/appAuth.js';

export interface SecretDescription {
  name: string;
  arn: string | undefined;
  rotationEnabled: boolean;
  /** Version id to its stages (`AWSCURRENT`, `AWSPENDING`, `AWSPREVIOUS`, ...). */
  versions: Record<string, string[]>;
}

/** A stored secret value: its string, or undefined for a version created empty (pending). */
export interface SecretVersionValue {
  versionId: string;
  secretString: string | undefined;
}

/**
 * The secret (or the version asked for) does not exist. Unlike the revocation path's reading, a
 * secret marked for deletion is not taken as missing here: rotation must fail on it, not mint.
 */
export const isMissingSecret = (error: unknown): boolean =>
  awsErrorName(error) === 'ResourceNotFoundException';

/** The version id holding `stage`, if any. */
export const versionWithStage = (
  versions: Record<string, string[]>,
  stage: string,
): string | undefined => Object.entries(versions).find(([, stages]) => stages.includes(stage))?.[0];

export class SecretVersions {
  constructor(private readonly client: SecretsManagerClient) {}

  async describe(secretId: string): Promise<SecretDescription> {
    const answer = await this.client.send(new DescribeSecretCommand({ SecretId: secretId }));
    return {
      name: answer.Name ?? '',
      arn: answer.ARN,
      rotationEnabled: answer.RotationEnabled === true,
      versions: Object.fromEntries(
        Object.entries(answer.VersionIdsToStages ?? {}).map(([id, stages]) => [id, stages ?? []]),
      ),
    };
  }

  /**
   * The value of a version (by id, and stage when given), or undefined when that version holds
   * none: Secrets Manager answers ResourceNotFoundException for a version created empty.
   */
  async valueOf(
    secretId: string,
    selector: { versionId?: string; stage?: string },
  ): Promise<SecretVersionValue | undefined> {
    try {
      const answer = await this.client.send(
        new GetSecretValueCommand({
          SecretId: secretId,
          ...(selector.versionId ? { VersionId: selector.versionId } : {}),
          ...(selector.stage ? { VersionStage: selector.stage } : {}),
        }),
      );
      return {
        versionId: answer.VersionId ?? selector.versionId ?? '',
        secretString: answer.SecretString,
      };
    } catch (error) {
      if (isMissingSecret(error)) return undefined;
      throw error;
    }
  }

  /** Stores the new token in the pending version Secrets Manager created for the rotation. */
  async putPending(secretId: string, versionId: string, secretString: string): Promise<void> {
    await this.client.send(
      new PutSecretValueCommand({
        SecretId: secretId,
        ClientRequestToken: versionId,
        SecretString: secretString,
        VersionStages: ['AWSPENDING'],
      }),
    );
  }

  /** Moves AWSCURRENT to `toVersionId` (the replaced version becomes AWSPREVIOUS). */
  async promote(
    secretId: string,
    toVersionId: string,
    fromVersionId: string | undefined,
  ): Promise<void> {
    await this.client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: secretId,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: toVersionId,
        ...(fromVersionId ? { RemoveFromVersionId: fromVersionId } : {}),
      }),
    );
  }

  async cancelRotation(secretId: string): Promise<void> {
    await this.client.send(new CancelRotateSecretCommand({ SecretId: secretId }));
  }

  /**
   * The App ID and App Key. Errors name the problem, never the value: the secret may be a pasted
   * key with a typo in it.
   */
  async appCredentials(secretId: string): Promise<AppCredentials> {
    const answer = await this.client.send(new GetSecretValueCommand({ SecretId: secretId }));
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer.SecretString ?? '');
    } catch {
      throw new AppCredentialsError('is not JSON');
    }
    const { appId, appKey } = (parsed ?? {}) as Record<string, unknown>;
    if (typeof appId !== 'string' || appId.trim() === '') {
      throw new AppCredentialsError('has no appId string');
    }
    if (typeof appKey !== 'string' || appKey === '') {
      throw new AppCredentialsError('has no appKey string');
    }
    return { appId: appId.trim(), appKey };
  }
}
