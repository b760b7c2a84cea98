// Rotation of the listed accounts' secrets (opt-in): the worker is their Secrets Manager rotation
// function, with a schedule per secret and write access to exactly those secrets.
import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { RotationConfig } from './config.js';

export interface SecretRotationProps {
  readonly rotation: RotationConfig;
  readonly secretPrefix: string;
  /** The worker: rotation is no ops request, and the worker already has the queue the grace delay needs. */
  readonly rotator: lambda.Function;
  /** The queue a delayed revocation goes to; the worker has it as `WORK_QUEUE_URL`. */
  readonly hasWorkQueue: boolean;
  readonly secretsKmsKeyArn: string | undefined;
}

/** The ARN pattern of the secret named `name`: Secrets Manager appends `-` and six random characters. */
export const secretArnOf = (name: string): string =>
  `arn:${Aws.PARTITION}:secretsmanager:${Aws.REGION}:${Aws.ACCOUNT_ID}:secret:${name}-??????`;

export class SecretRotation extends Construct {
  /** One per listed account, in the order listed. */
  public readonly schedules: secretsmanager.CfnRotationSchedule[] = [];

  public constructor(scope: Construct, id: string, props: SecretRotationProps) {
    super(scope, id);
    const { rotation, rotator } = props;
    // The function refuses a grace period without the queue its delayed message goes to.
    if (rotation.graceSeconds > 0 && !props.hasWorkQueue) {
      throw new Error(`${this.node.path}: rotationGraceSeconds above 0 needs the work queue`);
    }
    const role = rotator.role;
    if (role === undefined) throw new Error(`${this.node.path}: the rotation function has no role`);

    rotator.addEnvironment('MEETING_APP_SECRET_ID', rotation.appCredentialsSecretName);
    rotator.addEnvironment('ROTATION_GRACE_SECONDS', String(rotation.graceSeconds));
    rotator.addEnvironment('SECRET_USER_ID_FIELD', rotation.userIdField);

    // Secrets Manager calls the function for these rotations; only on behalf of this account,
    // so no other account's secret can name it as its rotation function.
    rotator.addPermission('SecretsManagerRotation', {
      principal: new iam.ServicePrincipal('secretsmanager.amazonaws.com'),
      sourceAccount: Aws.ACCOUNT_ID,
    });
    const permission = rotator.permissionsNode.findChild('SecretsManagerRotation');

    const rotated = rotation.accounts.map((account) =>
      secretArnOf(`${props.secretPrefix}${account}`),
    );
    const appSecret = secretArnOf(rotation.appCredentialsSecretName);

    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        // The four calls of the rotation steps (AWS's documented set for a rotation function),
        // on exactly the rotating secrets; GetSecretValue reads AWSPENDING and AWSCURRENT versions.
        sid: 'RotateServiceAccountTokens',
        actions: [
          'secretsmanager:DescribeSecret',
          'secretsmanager:GetSecretValue',
          'secretsmanager:PutSecretValue',
          'secretsmanager:UpdateSecretVersionStage',
        ],
        resources: rotated,
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        // Offboarding an account whose secret rotates stops a rotation under way first.
        sid: 'CancelRotationOnOffboarding',
        actions: ['secretsmanager:CancelRotateSecret'],
        resources: rotated,
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        // The App ID and App Key that sign a mint request; read-only.
        sid: 'ReadAppCredentials',
        actions: ['secretsmanager:GetSecretValue'],
        resources: [appSecret],
      }),
    );
    if (props.secretsKmsKeyArn !== undefined) {
      const viaSecretsManager = {
        'kms:ViaService': `secretsmanager.${Aws.REGION}.amazonaws.com`,
      };
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          // PutSecretValue encrypts the new token under the key; only for the rotating secrets.
          sid: 'EncryptRotatedTokens',
          actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
          resources: [props.secretsKmsKeyArn],
          conditions: {
            StringEquals: viaSecretsManager,
            StringLike: { 'kms:EncryptionContext:SecretARN': rotated },
          },
        }),
      );
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'DecryptAppCredentials',
          actions: ['kms:Decrypt'],
          resources: [props.secretsKmsKeyArn],
          conditions: {
            StringEquals: viaSecretsManager,
            StringLike: { 'kms:EncryptionContext:SecretARN': appSecret },
          },
        }),
      );
    }

    for (const [index, account] of rotation.accounts.entries()) {
      const schedule = new secretsmanager.CfnRotationSchedule(this, `Schedule${index}`, {
        // The secret exists already (it is not this stack's): a name is enough for Secrets Manager.
        secretId: `${props.secretPrefix}${account}`,
        rotationLambdaArn: rotator.functionArn,
        rotationRules: { scheduleExpression: rotation.schedule },
        // A deploy mints no token by itself: the first rotation comes in the next window (or
        // with `aws secretsmanager rotate-secret` / `meeting-revoke rotate`).
        rotateImmediatelyOnUpdate: false,
      });
      // Secrets Manager checks it may invoke the function when rotation is switched on.
      schedule.node.addDependency(permission);
      this.schedules.push(schedule);
    }
    // cdk-nag has nothing to say: the only wildcard, `??????`, is the random suffix of one named secret.
  }
}
