// The Huawei call, outcomes, HTTP API, records and what never happens (docs/INTERFACE.md) through the HTTP API of the built bundle, against real local
// stand-ins for DynamoDB, Secrets Manager and Huawei Cloud Meeting.
import { createHash } from 'node:crypto';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { httpEvent } from '../support/events.js';
import { type Harness, newToken, OUTCOME_TABLE, PREFIX, startHarness } from '../support/harness.js';
import { fakeContext } from '../support/lambdaContext.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const OPS_ARN = 'arn:aws:iam::123456789012:role/ops-tooling';

let h: Harness;
const tokens: string[] = [];
const seen: string[] = [];

const token = () => {
  const t = newToken();
  tokens.push(t);
  return t;
};

type Response = APIGatewayProxyStructuredResultV2 & {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
};

const call = async (options: Parameters<typeof httpEvent>[0], remainingMs?: number) => {
  const response = (await h.invoke(
    httpEvent({ userArn: OPS_ARN, ...options }),
    fakeContext(remainingMs === undefined ? {} : { remainingMs }),
  )) as Response;
  seen.push(JSON.stringify(response));
  return { ...response, json: JSON.parse(response.body) as Record<string, unknown> };
};

const post = (body: unknown, headers: Record<string, string> = {}, remainingMs?: number) =>
  call(
    {
      method: 'POST',
      path: '/revocations',
      body: typeof body === 'string' ? body : JSON.stringify(body),
      headers: { 'content-type': 'application/json', ...headers },
    },
    remainingMs,
  );

const records = async (accountId: string) => {
  const { Items = [] } = await h.dynamo.documentClient.send(
    new QueryCommand({
      TableName: OUTCOME_TABLE,
      KeyConditionExpression: 'accountId = :a',
      ExpressionAttributeValues: { ':a': accountId },
    }),
  );
  seen.push(JSON.stringify(Items));
  return Items.filter((item) => item['outcome'] !== undefined);
};

beforeAll(async () => {
  h = await startHarness();
});

const allLogs: string[] = [];
beforeEach(async () => {
  allLogs.push(...h.logs);
  await h.reset();
});

afterAll(async () => {
  await h.stop();
});

describe('POST /revocations', () => {
  it('revokes a live token and answers 200 REVOKED with the contract fields', async () => {
    // Prepare
    const t = token();
    const versionId = h.addAccount('svc-alpha', t);
    // Act
    const response = await post({ accountId: 'svc-alpha', reason: 'nightly test' });
    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.headers['Content-Type']).toBe('application/json');
    expect(response.json).toEqual({
      accountId: 'svc-alpha',
      outcome: 'REVOKED',
      requestId: expect.stringMatching(UUID),
      recordedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      attempts: 1,
      upstreamStatus: 200,
    });
    expect(response.headers['X-Request-ID']).toBe(response.json['requestId']);
    expect(h.meeting.isLive(t)).toBe(false);

    const [record, ...more] = await records('svc-alpha');
    expect(more).toHaveLength(0);
    expect(record).toMatchObject({
      accountId: 'svc-alpha',
      recordId: expect.stringMatching(
        new RegExp(`^${String(response.json['recordedAt']).replace(/\./g, '\\.')}`),
      ),
      recordedAt: response.json['recordedAt'],
      outcome: 'REVOKED',
      trigger: 'api',
      requestId: response.json['requestId'],
      attempts: 1,
      durationMs: expect.any(Number),
      secretVersionId: versionId,
      tokenFingerprint: createHash('sha256').update(t).digest('hex').slice(0, 16),
      upstreamStatus: 200,
      reason: 'nightly test',
      actor: OPS_ARN,
    });
  });

  it('sends exactly the contract request upstream', async () => {
    // Prepare
    const t = token();
    h.addAccount('svc-headers', t);
    // Act
    const response = await post({ accountId: 'svc-headers' });
    // Assess
    const [request, ...others] = h.meeting.requests;
    expect(others).toHaveLength(0);
    expect(request).toMatchObject({ method: 'DELETE', path: '/v1/usg/acs/token', body: '' });
    expect(request?.headers['x-access-token']).toBe(t);
    expect(request?.headers['x-request-id']).toBe(response.json['requestId']);
    expect(request?.headers['accept-language']).toBe('en-US');
    expect(request?.headers['user-agent']).toMatch(/^meeting-token-revoker\/\d+\.\d+\.\d+/);
  });

  it('reads a secret that holds the raw token string', async () => {
    const t = token();
    h.addAccount('svc-raw', t, { raw: true });
    const response = await post({ accountId: 'svc-raw' });
    expect(response.json['outcome']).toBe('REVOKED');
    expect(h.meeting.callsFor(t)).toHaveLength(1);
  });

  it('uses the caller X-Request-ID upstream, in the answer and in the record', async () => {
    // Prepare
    const t = token();
    h.addAccount('svc-rid', t);
    const requestId = '3f1c2b7e-8d4a-4c1e-9b2f-0a1b2c3d4e5f';
    // Act
    const response = await post({ accountId: 'svc-rid' }, { 'X-Request-ID': requestId });
    // Assess
    expect(response.json['requestId']).toBe(requestId);
    expect(response.headers['X-Request-ID']).toBe(requestId);
    expect(h.meeting.callsFor(t)[0]?.headers['x-request-id']).toBe(requestId);
    expect((await records('svc-rid'))[0]?.['requestId']).toBe(requestId);
  });

  it('replaces an X-Request-ID that is not a UUID', async () => {
    h.addAccount('svc-rid2', token());
    const response = await post({ accountId: 'svc-rid2' }, { 'x-request-id': 'not-a-uuid' });
    expect(response.json['requestId']).toMatch(UUID);
    expect(response.json['requestId']).not.toBe('not-a-uuid');
  });

  it('answers ALREADY_REVOKED for a version already revoked, without calling upstream', async () => {
    // Prepare
    const t = token();
    h.addAccount('svc-twice', t);
    await post({ accountId: 'svc-twice' });
    // Act
    const second = await post({ accountId: 'svc-twice' });
    // Assess
    expect(second.statusCode).toBe(200);
    expect(second.json).toMatchObject({ outcome: 'ALREADY_REVOKED', attempts: 0 });
    expect(second.json).not.toHaveProperty('upstreamStatus');
    expect(h.meeting.callsFor(t)).toHaveLength(1);
    const outcomes = (await records('svc-twice')).map((r) => r['outcome']);
    expect(outcomes.sort()).toEqual(['ALREADY_REVOKED', 'REVOKED']);
  });

  it('revokes again once the secret holds a new version', async () => {
    // Prepare
    h.addAccount('svc-rotated', token());
    await post({ accountId: 'svc-rotated' });
    const fresh = token();
    h.addAccount('svc-rotated', fresh);
    // Act
    const response = await post({ accountId: 'svc-rotated' });
    // Assess
    expect(response.json['outcome']).toBe('REVOKED');
    expect(h.meeting.callsFor(fresh)).toHaveLength(1);
  });

  it('answers ALREADY_INVALID (200) for a token upstream no longer knows, without retrying', async () => {
    // Prepare: the secret holds a token the simulator does not know, so it answers 401
    const t = token();
    h.secrets.put(`${PREFIX}svc-dead`, JSON.stringify({ accessToken: t }));
    // Act
    const response = await post({ accountId: 'svc-dead' });
    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.json).toMatchObject({
      outcome: 'ALREADY_INVALID',
      attempts: 1,
      upstreamStatus: 401,
      upstreamErrorCode: 'USG.000000004',
    });
    expect(h.meeting.callsFor(t)).toHaveLength(1);
  });

  it('never takes a 401 for proof: the next request calls upstream again', async () => {
    const t = token();
    h.secrets.put(`${PREFIX}svc-dead2`, JSON.stringify({ accessToken: t }));
    await post({ accountId: 'svc-dead2' });
    const again = await post({ accountId: 'svc-dead2' });
    expect(again.json['outcome']).toBe('ALREADY_INVALID');
    expect(h.meeting.callsFor(t)).toHaveLength(2);
  });

  it.each([400, 403, 404, 409])(
    'answers 502 REJECTED when upstream answers %i, without retrying',
    async (status) => {
      // Prepare
      const t = token();
      h.addAccount('svc-rejected', t);
      h.meeting.script(t, { status });
      // Act
      const response = await post({ accountId: 'svc-rejected' });
      // Assess
      expect(response.statusCode).toBe(502);
      expect(response.json).toMatchObject({
        outcome: 'REJECTED',
        attempts: 1,
        upstreamStatus: status,
      });
      expect(h.meeting.callsFor(t)).toHaveLength(1);
      expect((await records('svc-rejected'))[0]).toMatchObject({
        outcome: 'REJECTED',
        upstreamStatus: status,
      });
    },
  );

  it.each([500, 503, 408, 429])(
    'retries %i up to MEETING_MAX_ATTEMPTS with one request id, then answers 503 FAILED',
    async (status) => {
      // Prepare
      const t = token();
      h.addAccount('svc-failing', t);
      h.meeting.script(t, { status });
      // Act
      const response = await post({ accountId: 'svc-failing' });
      // Assess
      expect(response.statusCode).toBe(503);
      expect(response.json).toMatchObject({
        outcome: 'FAILED',
        attempts: 3,
        upstreamStatus: status,
      });
      const calls = h.meeting.callsFor(t);
      expect(calls).toHaveLength(3);
      expect(new Set(calls.map((c) => c.headers['x-request-id']))).toEqual(
        new Set([response.json['requestId']]),
      );
      expect((await records('svc-failing'))[0]).toMatchObject({ outcome: 'FAILED', attempts: 3 });
    },
  );

  it('recovers when a retry succeeds', async () => {
    const t = token();
    h.addAccount('svc-flaky', t);
    h.meeting.script(t, [{ status: 503 }, { reset: true }, { status: 200 }]);
    const response = await post({ accountId: 'svc-flaky' });
    expect(response.statusCode).toBe(200);
    expect(response.json).toMatchObject({ outcome: 'REVOKED', attempts: 3, upstreamStatus: 200 });
  });

  it('honours Retry-After between attempts', async () => {
    // Prepare
    const t = token();
    h.addAccount('svc-throttled', t);
    h.meeting.script(t, [{ status: 429, headers: { 'Retry-After': '1' } }, { status: 200 }]);
    // Act
    const response = await post({ accountId: 'svc-throttled' });
    // Assess
    const [first, second] = h.meeting.callsFor(t);
    expect(response.json).toMatchObject({ outcome: 'REVOKED', attempts: 2 });
    expect((second?.receivedAt ?? 0) - (first?.receivedAt ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('gives up on an attempt after MEETING_TIMEOUT_MS and retries', async () => {
    // Prepare
    process.env['MEETING_TIMEOUT_MS'] = '300';
    const t = token();
    h.addAccount('svc-hang', t);
    // The first answer comes after 3 s: a client on the 5 s default would take it in one attempt.
    h.meeting.script(t, [{ delayMs: 3000, status: 200 }, { status: 200 }]);
    try {
      // Act
      const response = await post({ accountId: 'svc-hang' });
      // Assess
      expect(response.json).toMatchObject({ outcome: 'REVOKED', attempts: 2 });
      expect(h.meeting.callsFor(t)).toHaveLength(2);
    } finally {
      delete process.env['MEETING_TIMEOUT_MS'];
    }
  });

  it('does not start an attempt that could not finish before the Lambda deadline', async () => {
    // Prepare: 2 s left, less the safety margin, cannot hold a 5 s attempt
    const t = token();
    h.addAccount('svc-late', t);
    // Act
    const response = await post({ accountId: 'svc-late' }, {}, 2000);
    // Assess
    expect(response.statusCode).toBe(503);
    expect(response.json).toMatchObject({ outcome: 'FAILED', attempts: 0 });
    expect(h.meeting.callsFor(t)).toHaveLength(0);
    expect((await records('svc-late'))[0]).toMatchObject({
      outcome: 'FAILED',
      failure: 'deadline',
    });
  });

  it('answers 404 NOT_FOUND, recorded, when the account has no secret', async () => {
    const response = await post({ accountId: 'svc-missing' });
    expect(response.statusCode).toBe(404);
    expect(response.json).toMatchObject({
      accountId: 'svc-missing',
      outcome: 'NOT_FOUND',
      attempts: 0,
    });
    expect(h.meeting.requests).toHaveLength(0);
    expect((await records('svc-missing'))[0]).toMatchObject({
      outcome: 'NOT_FOUND',
      trigger: 'api',
    });
  });

  it('answers 404 NOT_FOUND when the secret holds no token', async () => {
    h.secrets.put(`${PREFIX}svc-empty`, JSON.stringify({ refreshToken: 'x' }));
    const response = await post({ accountId: 'svc-empty' });
    expect(response.statusCode).toBe(404);
    expect(response.json['outcome']).toBe('NOT_FOUND');
    expect(h.meeting.requests).toHaveLength(0);
  });

  it.each(['AccessDeniedException', 'ThrottlingException'])(
    'never calls a Secrets Manager %s NOT_FOUND: it answers 503 FAILED, recorded',
    async (type) => {
      // Prepare
      h.addAccount('svc-denied', token());
      h.secrets.fail('GetSecretValue', { type });
      // Act
      const response = await post({ accountId: 'svc-denied' });
      // Assess
      expect(response.statusCode).toBe(503);
      expect(response.json).toMatchObject({ outcome: 'FAILED', attempts: 0 });
      expect(h.meeting.requests).toHaveLength(0);
      expect((await records('svc-denied'))[0]).toMatchObject({
        outcome: 'FAILED',
        failure: `SecretsManager:${type}`,
      });
    },
  );

  it('answers 500 and no success when the outcome cannot be recorded', async () => {
    // Prepare
    h.addAccount('svc-norecord', token());
    await h.dynamo.deleteTable(OUTCOME_TABLE);
    // Act
    const response = await post({ accountId: 'svc-norecord' });
    // Assess
    expect(response.statusCode).toBe(500);
    expect(response.json).toEqual({
      error: { code: 'OUTCOME_NOT_RECORDED', message: expect.any(String) },
    });
    expect(response.headers['X-Request-ID']).toMatch(UUID);
  });

  it.each([
    ['not JSON', 'accountId=svc', 400],
    ['a JSON array', '[]', 400],
    ['no accountId', '{"reason":"x"}', 400],
    ['an invalid accountId', '{"accountId":"../etc/passwd"}', 400],
    [
      'a reason over 256 characters',
      JSON.stringify({ accountId: 'svc-x', reason: 'r'.repeat(257) }),
      400,
    ],
    ['an unknown field', '{"accountId":"svc-x","force":true}', 400],
    ['a body over 16 KiB', JSON.stringify({ accountId: 'svc-x', pad: 'p'.repeat(17_000) }), 413],
  ])(
    'refuses %s with %s and a JSON error, never reaching upstream',
    async (_name, body, status) => {
      // Prepare
      h.addAccount('svc-x', token());
      // Act
      const response = await post(body);
      // Assess
      expect(response.statusCode).toBe(status);
      expect(response.headers['Content-Type']).toBe('application/json');
      expect(response.headers['X-Request-ID']).toMatch(UUID);
      expect(response.json).toEqual({
        error: { code: expect.any(String), message: expect.any(String) },
      });
      expect(response.body).not.toMatch(/at .*\.(ts|js|mjs):\d+/);
      expect(h.meeting.requests).toHaveLength(0);
      expect(await records('svc-x')).toHaveLength(0);
    },
  );

  it('routes a stage-prefixed path', async () => {
    h.addAccount('svc-stage', token());
    const response = await call({
      method: 'POST',
      path: '/revocations',
      stage: 'prod',
      body: { accountId: 'svc-stage' },
    });
    expect(response.statusCode).toBe(200);
  });

  it('fails with a JSON error naming the variable when the configuration is invalid', async () => {
    // Prepare
    process.env['MEETING_API_BASE_URL'] = 'http://meeting.example.com';
    try {
      // Act
      const response = await post({ accountId: 'svc-config' });
      // Assess
      expect(response.statusCode).toBe(500);
      expect(response.json).toMatchObject({ error: { code: 'CONFIGURATION_ERROR' } });
      expect(String((response.json['error'] as { message: string }).message)).toMatch(
        /MEETING_API_BASE_URL/,
      );
    } finally {
      process.env['MEETING_API_BASE_URL'] = h.meeting.baseUrl;
    }
  });
});

// Powertools idempotency on its table; without one the header is refused (see trust.test.ts).
describe('Idempotency-Key with IDEMPOTENCY_TABLE_NAME', () => {
  const table = 'idempotency';
  const withKey = (key: string) => ({ 'Idempotency-Key': key });
  beforeEach(() => {
    if (table) process.env['IDEMPOTENCY_TABLE_NAME'] = table;
  });
  afterEach(() => {
    delete process.env['IDEMPOTENCY_TABLE_NAME'];
  });

  it('returns the first answer for a repeat, without a new upstream call', async () => {
    // Prepare
    const t = token();
    h.addAccount('svc-idem', t);
    // Act
    const first = await post({ accountId: 'svc-idem' }, withKey('k-1'));
    const second = await post({ accountId: 'svc-idem' }, withKey('k-1'));
    // Assess
    expect(second.statusCode).toBe(200);
    expect(second.json).toEqual(first.json);
    expect(second.headers['X-Request-ID']).toBe(first.json['requestId']);
    expect(h.meeting.callsFor(t)).toHaveLength(1);
    expect(await records('svc-idem')).toHaveLength(1);
  });

  it('returns the first answer for a repeat even when it was not a success (REJECTED)', async () => {
    const t = token();
    h.addAccount('svc-idem5', t);
    h.meeting.script(t, { status: 403 });
    const first = await post({ accountId: 'svc-idem5' }, withKey('k-5'));
    const second = await post({ accountId: 'svc-idem5' }, withKey('k-5'));
    expect(first.statusCode).toBe(502);
    expect(second.statusCode).toBe(502);
    expect(second.json).toEqual(first.json);
    expect(h.meeting.callsFor(t)).toHaveLength(1);
  });

  it('refuses the same key with a different body with 422', async () => {
    h.addAccount('svc-idem2', token());
    h.addAccount('svc-idem3', token());
    await post({ accountId: 'svc-idem2' }, withKey('k-2'));
    const other = await post({ accountId: 'svc-idem3' }, withKey('k-2'));
    expect(other.statusCode).toBe(422);
    expect(other.json).toMatchObject({ error: { code: 'IDEMPOTENCY_KEY_REUSED' } });
  });

  it('keeps a FAILED answer too; a new key tries again', async () => {
    const t = token();
    h.addAccount('svc-idem4', t);
    h.meeting.script(t, [{ status: 503 }, { status: 503 }, { status: 503 }, { status: 200 }]);
    const first = await post({ accountId: 'svc-idem4' }, withKey('k-4'));
    const repeat = await post({ accountId: 'svc-idem4' }, withKey('k-4'));
    const fresh = await post({ accountId: 'svc-idem4' }, withKey('k-4-again'));
    expect(first.statusCode).toBe(503);
    expect(repeat.statusCode).toBe(503);
    expect(repeat.json).toEqual(first.json);
    expect(fresh.json['outcome']).toBe('REVOKED');
    expect(h.meeting.callsFor(t)).toHaveLength(4);
  });

  it('keeps keys of different callers apart', async () => {
    const t = token();
    h.addAccount('svc-idem6', t);
    await post({ accountId: 'svc-idem6' }, withKey('shared'));
    const other = (await h.invoke(
      httpEvent({
        method: 'POST',
        path: '/revocations',
        body: { accountId: 'svc-idem6' },
        headers: withKey('shared'),
        userArn: 'arn:aws:iam::123456789012:role/someone-else',
      }),
    )) as Response;
    expect(JSON.parse(other.body)).toMatchObject({ outcome: 'ALREADY_REVOKED' });
  });
});

describe('GET /revocations/{accountId}', () => {
  it('lists the account records newest first, markers excluded, with ?limit', async () => {
    // Prepare: three records for one account
    h.addAccount('svc-hist', token());
    await post({ accountId: 'svc-hist', reason: 'first' });
    await post({ accountId: 'svc-hist', reason: 'second' });
    await post({ accountId: 'svc-hist', reason: 'third' });
    // Act
    const all = await call({ method: 'GET', path: '/revocations/svc-hist' });
    const two = await call({ method: 'GET', path: '/revocations/svc-hist', query: { limit: '2' } });
    // Assess
    expect(all.statusCode).toBe(200);
    expect(all.headers['X-Request-ID']).toMatch(UUID);
    const items = all.json['items'] as Record<string, unknown>[];
    expect(all.json['accountId']).toBe('svc-hist');
    expect(items.map((i) => i['reason'])).toEqual(['third', 'second', 'first']);
    expect(items.map((i) => i['outcome'])).toEqual([
      'ALREADY_REVOKED',
      'ALREADY_REVOKED',
      'REVOKED',
    ]);
    expect((two.json['items'] as unknown[]).length).toBe(2);
  });

  it('answers an empty list for an account without history', async () => {
    const response = await call({ method: 'GET', path: '/revocations/nobody' });
    expect(response.statusCode).toBe(200);
    expect(response.json).toEqual({ accountId: 'nobody', items: [] });
  });

  it('answers at most the 50 newest records, even when asked for more', async () => {
    // Prepare: 52 records written straight into the table
    for (let i = 0; i < 52; i += 1) {
      const recordedAt = new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();
      await h.dynamo.documentClient.send(
        new PutCommand({
          TableName: OUTCOME_TABLE,
          Item: {
            accountId: 'svc-many',
            recordId: `${recordedAt}#r${i}`,
            recordedAt,
            outcome: 'REVOKED',
          },
        }),
      );
    }
    // Act
    const all = await call({ method: 'GET', path: '/revocations/svc-many' });
    const asked = await call({
      method: 'GET',
      path: '/revocations/svc-many',
      query: { limit: '500' },
    });
    // Assess
    for (const response of [all, asked]) {
      const items = response.json['items'] as { recordedAt: string }[];
      expect(items).toHaveLength(50);
      expect(items[0]?.recordedAt).toBe('2026-01-01T00:00:51.000Z');
    }
  });

  it.each(['0', 'ten', '-1', '2.5', ''])('refuses limit=%s with 400', async (limit) => {
    const response = await call({ method: 'GET', path: '/revocations/svc', query: { limit } });
    expect(response.statusCode).toBe(400);
    expect(response.json).toMatchObject({ error: { code: 'VALIDATION_ERROR' } });
  });

  it('refuses an invalid account id with 400', async () => {
    const response = await call({ method: 'GET', path: '/revocations/%2E%2E' });
    expect(response.statusCode).toBe(400);
  });
});

describe('routing', () => {
  it.each([
    ['GET', '/revocations', 405, 'POST'],
    ['PUT', '/revocations', 405, 'POST'],
    ['DELETE', '/revocations/svc', 405, 'GET'],
    ['POST', '/revocations/svc', 405, 'GET'],
  ])('answers %s %s with %i', async (method, path, status, allow) => {
    const response = await call({ method, path });
    expect(response.statusCode).toBe(status);
    expect(response.headers['Allow']).toBe(allow);
    expect(response.json).toMatchObject({ error: { code: 'METHOD_NOT_ALLOWED' } });
  });

  it.each([
    ['GET', '/'],
    ['POST', '/revoke'],
    ['GET', '/revocations/a/b'],
  ])('answers %s %s with a JSON 404', async (method, path) => {
    const response = await call({ method, path });
    expect(response.statusCode).toBe(404);
    expect(response.headers['Content-Type']).toBe('application/json');
    expect(response.headers['X-Request-ID']).toMatch(UUID);
    expect(response.json).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });
});

describe('what the body parser and the settings leave as they were', () => {
  it.each(['text/plain', 'application/x-www-form-urlencoded'])(
    'reads a body sent as %s as JSON',
    async (contentType) => {
      // Prepare
      const t = token();
      h.addAccount('svc-typed', t);
      // Act
      const response = await post({ accountId: 'svc-typed' }, { 'content-type': contentType });
      // Assess
      expect(response.statusCode).toBe(200);
      expect(response.json).toMatchObject({ outcome: 'REVOKED' });
      expect(h.meeting.callsFor(t)).toHaveLength(1);
    },
  );

  it('refuses a bad request for what it is before reporting a bad setting', async () => {
    // Prepare
    process.env['MEETING_API_BASE_URL'] = 'http://meeting.example.com';
    try {
      // Act
      const badBody = await post({ accountId: 'svc-config', extra: 1 });
      const badKey = await post({ accountId: 'svc-config' }, { 'idempotency-key': 'k 1' });
      const badId = await call({ method: 'GET', path: '/revocations/%2E%2E' });
      const good = await post({ accountId: 'svc-config' });
      // Assess
      expect(badBody.json).toMatchObject({ error: { code: 'VALIDATION_ERROR' } });
      expect(badKey.json).toMatchObject({ error: { code: 'INVALID_IDEMPOTENCY_KEY' } });
      expect(badId.json).toMatchObject({ error: { code: 'VALIDATION_ERROR' } });
      expect(good.json).toMatchObject({ error: { code: 'CONFIGURATION_ERROR' } });
    } finally {
      process.env['MEETING_API_BASE_URL'] = h.meeting.baseUrl;
    }
  });
});

// Last, so that it sees every log line, answer and record of the tests above.
describe('what never happens', () => {
  it('never lets a token reach a log line, an answer or a record', () => {
    // Prepare
    const everything = [...allLogs, ...h.logs, ...seen].join('\n');
    // Assess: the capture works (it saw the revocations) and no token is in it
    expect(tokens.length).toBeGreaterThan(30);
    expect(everything).toContain('"message":"revocation recorded"');
    expect(everything).toContain('svc-alpha');
    for (const t of tokens) expect(everything).not.toContain(t);
  });
});
