// meeting-revoke rotate: starts the rotation of an account's secret with Secrets Manager's
// RotateSecret, signed by the default AWS credential chain. The rotation function does the rest.
import { randomUUID } from 'node:crypto';
import { RotateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { clean } from './format.js';
import type { CredentialsProvider } from './sigv4.js';

export interface RotateRequest {
  accountId: string;
  secretId: string;
  region?: string;
  json: boolean;
}

export interface RotateIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Readonly<Record<string, string | undefined>>;
  credentials?: CredentialsProvider;
}

export const ROTATE_EXIT = { STARTED: 0, NO_SECRET: 3, REFUSED: 6, NO_ANSWER: 7 } as const;

/** AWS error names that mean no answer was had: credentials, region, connection. */
const NO_ANSWER = new Set(['CredentialsProviderError', 'TimeoutError', 'AbortError']);

export const rotate = async (request: RotateRequest, io: RotateIo): Promise<number> => {
  const endpoint =
    io.env['AWS_ENDPOINT_URL_SECRETS_MANAGER'] ?? io.env['AWS_ENDPOINT_URL'] ?? undefined;
  const region = request.region ?? io.env['AWS_REGION'] ?? io.env['AWS_DEFAULT_REGION'];
  const client = new SecretsManagerClient({
    // Without one here the SDK looks in the shared config file (the profile's region).
    ...(region ? { region } : {}),
    ...(endpoint ? { endpoint } : {}),
    credentials: io.credentials ?? fromNodeProviderChain(),
    maxAttempts: 3,
  });
  // Named by us, so that the SDK's retries of this one call cannot start two rotations.
  const clientRequestToken = randomUUID();
  try {
    const answer = await client.send(
      new RotateSecretCommand({
        SecretId: request.secretId,
        ClientRequestToken: clientRequestToken,
        RotateImmediately: true,
      }),
    );
    const versionId = answer.VersionId ?? clientRequestToken;
    if (request.json) {
      io.stdout(
        `${JSON.stringify({
          accountId: request.accountId,
          secretId: request.secretId,
          ...(answer.ARN ? { arn: answer.ARN } : {}),
          versionId,
        })}\n`,
      );
      return ROTATE_EXIT.STARTED;
    }
    io.stdout(
      [
        `ROTATING  ${request.accountId}  (rotation started: a new token is minted, promoted, then the one it replaces is revoked)`,
        `  secret       ${clean(answer.Name ?? request.secretId)}`,
        `  new version  ${clean(versionId)}  (AWSPENDING until the rotation finishes)`,
        `  then         meeting-revoke history ${request.accountId}  (a record with trigger rotation names the replaced version)`,
      ].join('\n') + '\n',
    );
    return ROTATE_EXIT.STARTED;
  } catch (error) {
    const name = error instanceof Error ? error.name : 'Error';
    // AWS's messages name secrets and states, never a secret value.
    const message = clean(error instanceof Error ? error.message : String(error));
    if (name === 'ResourceNotFoundException') {
      io.stderr(`meeting-revoke: no secret named ${request.secretId} (${name})\n`);
      return ROTATE_EXIT.NO_SECRET;
    }
    const metadata = (error as { $metadata?: { httpStatusCode?: number } }).$metadata;
    if (metadata?.httpStatusCode !== undefined && !NO_ANSWER.has(name)) {
      io.stderr(
        `meeting-revoke: Secrets Manager refused to rotate ${request.secretId}: ${name}: ${message}\n`,
      );
      return ROTATE_EXIT.REFUSED;
    }
    const code = (error as { code?: string }).code;
    io.stderr(
      `meeting-revoke: no answer from Secrets Manager for ${request.secretId}: ${code ?? name}: ${message}\n`,
    );
    return ROTATE_EXIT.NO_ANSWER;
  } finally {
    client.destroy();
  }
};
