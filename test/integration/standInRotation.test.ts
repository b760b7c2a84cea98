// The Secrets Manager stand-in's rotation side behaves like AWS's, driven by the real SDK client:
// RotateSecret's empty AWSPENDING version, PutSecretValue into it, UpdateSecretVersionStage's
// rules, CancelRotateSecret and RotationEnabled.
import {
  CancelRotateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidParameterException,
  ListSecretsCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  RotateSecretCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { useSecretsManagerStandIn } from '../support/standInsPerFile.js';

const NAME = 'meeting/service-accounts/sm-rot';
const ROTATOR = 'arn:aws:lambda:eu-west-1:123456789012:function:rotator';

const local = useSecretsManagerStandIn();

describe('Secrets Manager stand-in: rotation', () => {
  it('RotateSecret creates an empty AWSPENDING version that PutSecretValue fills once', async () => {
    // Prepare
    const current = local.sm.put(NAME, 'old-token-value');
    local.sm.configureRotation(NAME, ROTATOR);
    // Act
    const { VersionId: pending } = await local.client.send(
      new RotateSecretCommand({ SecretId: NAME }),
    );
    const described = await local.client.send(new DescribeSecretCommand({ SecretId: NAME }));
    const empty = local.client.send(
      new GetSecretValueCommand({ SecretId: NAME, VersionId: pending, VersionStage: 'AWSPENDING' }),
    );
    // Assess
    expect(described.RotationEnabled).toBe(true);
    expect(described.VersionIdsToStages).toEqual({
      [current]: ['AWSCURRENT'],
      [pending as string]: ['AWSPENDING'],
    });
    await expect(empty).rejects.toBeInstanceOf(ResourceNotFoundException);
    const put = { SecretId: NAME, ClientRequestToken: pending, VersionStages: ['AWSPENDING'] };
    await local.client.send(new PutSecretValueCommand({ ...put, SecretString: 'new-token-value' }));
    await local.client.send(new PutSecretValueCommand({ ...put, SecretString: 'new-token-value' }));
    await expect(
      local.client.send(new PutSecretValueCommand({ ...put, SecretString: 'another-value' })),
    ).rejects.toBeInstanceOf(ResourceExistsException);
    const value = await local.client.send(
      new GetSecretValueCommand({ SecretId: NAME, VersionStage: 'AWSPENDING' }),
    );
    expect(value.SecretString).toBe('new-token-value');
  });

  it('UpdateSecretVersionStage moves AWSCURRENT only when told where it was, leaving AWSPREVIOUS', async () => {
    // Prepare
    const current = local.sm.put(NAME, 'old-token-value');
    local.sm.configureRotation(NAME, ROTATOR);
    const pending = local.sm.beginRotation(NAME);
    await local.client.send(
      new PutSecretValueCommand({
        SecretId: NAME,
        ClientRequestToken: pending,
        SecretString: 'new-token-value',
        VersionStages: ['AWSPENDING'],
      }),
    );
    const move = { SecretId: NAME, VersionStage: 'AWSCURRENT', MoveToVersionId: pending };
    // Act / Assess
    await expect(
      local.client.send(new UpdateSecretVersionStageCommand(move)),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    await local.client.send(
      new UpdateSecretVersionStageCommand({ ...move, RemoveFromVersionId: current }),
    );
    const stages = (await local.client.send(new DescribeSecretCommand({ SecretId: NAME })))
      .VersionIdsToStages;
    expect(stages?.[pending]?.sort()).toEqual(['AWSCURRENT', 'AWSPENDING']);
    expect(stages?.[current]).toEqual(['AWSPREVIOUS']);
  });

  it('CancelRotateSecret turns rotation off, as ListSecrets then reports', async () => {
    local.sm.put(NAME, 'old-token-value');
    local.sm.configureRotation(NAME, ROTATOR);
    const before = await local.client.send(new ListSecretsCommand({}));
    await local.client.send(new CancelRotateSecretCommand({ SecretId: NAME }));
    const after = await local.client.send(new ListSecretsCommand({}));
    expect(before.SecretList?.[0]?.RotationEnabled).toBe(true);
    expect(after.SecretList?.[0]?.RotationEnabled).toBeUndefined();
  });

  it('with a rotation runner, RotateSecret invokes the four steps in order', async () => {
    local.sm.put(NAME, 'old-token-value');
    local.sm.configureRotation(NAME, ROTATOR);
    const seen: string[] = [];
    local.sm.rotationRunner = async (event) => {
      seen.push(event.Step);
    };
    try {
      const { versionId } = await local.sm.rotate(NAME);
      expect(seen).toEqual(['createSecret', 'setSecret', 'testSecret', 'finishSecret']);
      expect(versionId).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      local.sm.rotationRunner = undefined;
    }
  });
});
