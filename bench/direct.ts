// The benchmark's yardstick: the same AWS and Huawei calls as the handler, in plain code, no middleware.
import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetSecretValueCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type {
  APIGatewayProxyEventV2WithIAMAuthorizer,
  APIGatewayProxyStructuredResultV2,
} from 'aws-lambda';

const ACCOUNT_ID = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LOGOUT_PATH = '/v1/usg/acs/token';
const BATCH = 20;

type Outcome =
  | 'REVOKED'
  | 'ALREADY_INVALID'
  | 'ALREADY_REVOKED'
  | 'REJECTED'
  | 'FAILED'
  | 'NOT_FOUND';
type Secret = { token?: string; versionId?: string };

export interface SweepSummary {
  processed: number;
  outcomes: Partial<Record<Outcome, number>>;
}

export interface Direct {
  /** POST /revocations as a plain Lambda handler would do it. */
  handle(
    event: APIGatewayProxyEventV2WithIAMAuthorizer,
  ): Promise<APIGatewayProxyStructuredResultV2>;
  /** Every secret under the prefix: list, read 20 at a time, `concurrency` revocations at once. */
  sweep(concurrency: number): Promise<SweepSummary>;
  close(): void;
}

const tokenOf = (secretString: string | undefined, field: string): string | undefined => {
  if (!secretString) return undefined;
  if (!secretString.startsWith('{')) return secretString;
  try {
    const value = (JSON.parse(secretString) as Record<string, unknown>)[field];
    return typeof value === 'string' && value !== '' ? value : undefined;
  } catch {
    return secretString;
  }
};

const outcomeOf = (status: number): Outcome => {
  if (status >= 200 && status < 300) return 'REVOKED';
  if (status === 401) return 'ALREADY_INVALID';
  if (status >= 400 && status < 500 && status !== 408 && status !== 429) return 'REJECTED';
  return 'FAILED';
};

const STATUS: Record<Outcome, number> = {
  REVOKED: 200,
  ALREADY_INVALID: 200,
  ALREADY_REVOKED: 200,
  NOT_FOUND: 404,
  REJECTED: 502,
  FAILED: 503,
};

export const createDirect = (env: NodeJS.ProcessEnv = process.env): Direct => {
  const prefix = env['SECRET_PREFIX'] || 'meeting/service-accounts/';
  const field = env['SECRET_TOKEN_FIELD'] || 'accessToken';
  const table = env['OUTCOME_TABLE_NAME'] ?? '';
  const url = new URL(`${env['MEETING_API_BASE_URL']}${LOGOUT_PATH}`);
  const timeoutMs = Number(env['MEETING_TIMEOUT_MS'] || 5000);
  const language = env['MEETING_ACCEPT_LANGUAGE'] || 'en-US';
  const transport = url.protocol === 'https:' ? https : http;
  const agent = new transport.Agent({
    keepAlive: true,
    maxSockets: Number(env['SWEEP_CONCURRENCY'] || 8),
  });
  const secrets = new SecretsManagerClient({});
  const dynamo = new DynamoDBClient({});
  const documents = DynamoDBDocumentClient.from(dynamo, {
    marshallOptions: { removeUndefinedValues: true },
  });

  const logout = (token: string, requestId: string): Promise<number> =>
    new Promise((resolve) => {
      const request = transport.request(url, {
        method: 'DELETE',
        agent,
        timeout: timeoutMs,
        headers: {
          'X-Access-Token': token,
          'X-Request-ID': requestId,
          'Accept-Language': language,
          'User-Agent': 'meeting-token-revoker-direct/1.0',
        },
      });
      request.on('timeout', () => request.destroy());
      request.on('error', () => resolve(0));
      request.on('response', (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      });
      request.end();
    });

  const revokeOne = async (
    accountId: string,
    trigger: 'api' | 'schedule',
    requestId: string,
    secret: Secret,
    extra: Record<string, string | undefined> = {},
  ): Promise<{ outcome: Outcome; recordedAt: string; status?: number }> => {
    const started = performance.now();
    let outcome: Outcome = 'NOT_FOUND';
    let status: number | undefined;
    let fingerprint: string | undefined;
    if (secret.token !== undefined) {
      fingerprint = createHash('sha256').update(secret.token).digest('hex').slice(0, 16);
      const { Item } = await documents.send(
        new GetCommand({
          TableName: table,
          Key: { accountId, recordId: `~revoked#${secret.versionId}` },
          ConsistentRead: true,
          ProjectionExpression: 'accountId',
        }),
      );
      if (Item) outcome = 'ALREADY_REVOKED';
      else {
        status = await logout(secret.token, requestId);
        outcome = outcomeOf(status);
      }
    }
    const recordedAt = new Date().toISOString();
    const recordId = `${recordedAt}#${requestId}`;
    const writes: Promise<unknown>[] = [
      documents.send(
        new PutCommand({
          TableName: table,
          Item: {
            accountId,
            recordId,
            recordedAt,
            outcome,
            trigger,
            requestId,
            attempts: status === undefined ? 0 : 1,
            durationMs: Math.round(performance.now() - started),
            secretVersionId: secret.versionId,
            tokenFingerprint: fingerprint,
            upstreamStatus: status,
            ...extra,
          },
          ConditionExpression: 'attribute_not_exists(recordId)',
        }),
      ),
    ];
    if (outcome === 'REVOKED' || outcome === 'ALREADY_INVALID') {
      writes.push(
        documents.send(
          new PutCommand({
            TableName: table,
            Item: {
              accountId,
              recordId: `~revoked#${secret.versionId}`,
              secretVersionId: secret.versionId,
              revokedBy: recordId,
              markedAt: recordedAt,
            },
          }),
        ),
      );
    }
    await Promise.all(writes);
    return { outcome, recordedAt, ...(status === undefined ? {} : { status }) };
  };

  const readSecret = async (accountId: string): Promise<Secret> => {
    try {
      const value = await secrets.send(
        new GetSecretValueCommand({ SecretId: `${prefix}${accountId}` }),
      );
      return { token: tokenOf(value.SecretString, field), versionId: value.VersionId };
    } catch (error) {
      if ((error as Error).name === 'ResourceNotFoundException') return {};
      throw error;
    }
  };

  const answer = (statusCode: number, requestId: string, body: unknown) => ({
    statusCode,
    headers: { 'Content-Type': 'application/json', 'X-Request-ID': requestId },
    body: JSON.stringify(body),
  });

  const handle: Direct['handle'] = async (event) => {
    const given = event.headers['x-request-id'];
    const requestId = given && UUID.test(given) ? given : randomUUID();
    let body: { accountId?: unknown; reason?: unknown };
    try {
      body = JSON.parse(event.body ?? '') as typeof body;
    } catch {
      return answer(400, requestId, { error: { code: 'INVALID_JSON', message: 'Bad JSON.' } });
    }
    const { accountId, reason } = body;
    if (typeof accountId !== 'string' || !ACCOUNT_ID.test(accountId)) {
      return answer(400, requestId, { error: { code: 'INVALID_BODY', message: 'accountId' } });
    }
    const secret = await readSecret(accountId);
    const result = await revokeOne(accountId, 'api', requestId, secret, {
      reason: typeof reason === 'string' ? reason : undefined,
      actor: event.requestContext.authorizer.iam.userArn,
    });
    return answer(STATUS[result.outcome], requestId, {
      accountId,
      outcome: result.outcome,
      requestId,
      recordedAt: result.recordedAt,
      attempts: result.status === undefined ? 0 : 1,
      ...(result.status === undefined ? {} : { upstreamStatus: result.status }),
    });
  };

  async function* batches(): AsyncGenerator<string[]> {
    let nextToken: string | undefined;
    do {
      const page = await secrets.send(
        new ListSecretsCommand({
          Filters: [{ Key: 'name', Values: [prefix] }],
          MaxResults: 100,
          NextToken: nextToken,
        }),
      );
      const names = (page.SecretList ?? [])
        .map((secret) => secret.Name ?? '')
        .filter((name) => name.startsWith(prefix));
      for (let i = 0; i < names.length; i += BATCH) yield names.slice(i, i + BATCH);
      nextToken = page.NextToken;
    } while (nextToken);
  }

  const sweep: Direct['sweep'] = async (concurrency) => {
    const summary: SweepSummary = { processed: 0, outcomes: {} };
    const queue: { accountId: string; secret: Secret }[] = [];
    const source = batches();
    let exhausted = false;
    let failure: unknown;
    let reading: Promise<void> | undefined;
    // One batch read at a time, started as soon as the queue runs low.
    const refill = (): Promise<void> => {
      reading ??= (async () => {
        const next = await source.next();
        if (next.done) {
          exhausted = true;
          return;
        }
        const answer = await secrets.send(
          new BatchGetSecretValueCommand({ SecretIdList: next.value }),
        );
        for (const value of answer.SecretValues ?? []) {
          queue.push({
            accountId: (value.Name ?? '').slice(prefix.length),
            secret: { token: tokenOf(value.SecretString, field), versionId: value.VersionId },
          });
        }
        for (const error of answer.Errors ?? []) {
          queue.push({ accountId: (error.SecretId ?? '').slice(prefix.length), secret: {} });
        }
      })()
        .catch((error: unknown) => {
          failure ??= error;
        })
        .finally(() => {
          reading = undefined;
        });
      return reading;
    };
    const worker = async () => {
      while (true) {
        if (failure) throw failure;
        if (queue.length <= concurrency && !exhausted) void refill();
        const job = queue.shift();
        if (!job) {
          if (failure) throw failure;
          if (exhausted && !reading) return;
          await refill();
          continue;
        }
        const { outcome } = await revokeOne(job.accountId, 'schedule', randomUUID(), job.secret);
        summary.processed += 1;
        summary.outcomes[outcome] = (summary.outcomes[outcome] ?? 0) + 1;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    return summary;
  };

  return {
    handle,
    sweep,
    close() {
      agent.destroy();
      secrets.destroy();
      dynamo.destroy();
    },
  };
};
