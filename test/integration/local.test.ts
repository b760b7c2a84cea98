// Local mode (npm start) answers the contract's HTTP API (docs/INTERFACE.md, "HTTP API") through the built
// bundle, persists records across restarts, and fires the event triggers on its local routes.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalMode, startLocal } from '../../local/server.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DEMO_TOKEN = 'FAKE-demo-token-0000-not-a-real-secret';

let local: LocalMode;
let dataDir: string;
const bodies: string[] = [];

const request = async (method: string, path: string, body?: string, headers = {}) => {
  const response = await fetch(`${local.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    ...(body !== undefined ? { body } : {}),
  });
  const text = await response.text();
  bodies.push(text);
  return {
    status: response.status,
    headers: response.headers,
    json: JSON.parse(text) as Record<string, unknown>,
  };
};

const revoke = (accountId: string, headers = {}) =>
  request('POST', '/revocations', JSON.stringify({ accountId }), headers);

beforeAll(async () => {
  // The handler's own log lines are not what these tests check; TEST_VERBOSE=1 shows them.
  if (!process.env['TEST_VERBOSE']) process.env['POWERTOOLS_LOG_LEVEL'] = 'SILENT';
  dataDir = await mkdtemp(join(tmpdir(), 'local-mode-'));
  local = await startLocal({ port: 0, dataDir });
});

afterAll(async () => {
  await local?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('local mode', () => {
  it('answers GET / with an index naming the simulator and the seeded accounts', async () => {
    const response = await request('GET', '/');
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({
      mode: 'local',
      meetingApi: { simulator: true, baseUrl: local.meeting?.baseUrl },
      accounts: expect.arrayContaining(['demo']),
      dataDir,
    });
  });

  it('revokes demo: 200 REVOKED with the contract fields, the token dead in the simulator', async () => {
    const response = await revoke('demo');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.json).toEqual({
      accountId: 'demo',
      outcome: 'REVOKED',
      requestId: expect.stringMatching(UUID),
      recordedAt: expect.any(String),
      attempts: 1,
      upstreamStatus: 200,
    });
    expect(response.headers.get('x-request-id')).toBe(response.json['requestId']);
    expect(local.meeting?.isLive(DEMO_TOKEN)).toBe(false);
  });

  it('lists the record under GET /revocations/demo, with the local identity as actor', async () => {
    const response = await request('GET', '/revocations/demo');
    expect(response.status).toBe(200);
    expect(response.json['accountId']).toBe('demo');
    expect(response.json['items']).toEqual([
      expect.objectContaining({
        outcome: 'REVOKED',
        trigger: 'api',
        actor: 'arn:aws:iam::000000000000:user/local-operator',
      }),
    ]);
  });

  it('answers ALREADY_REVOKED for the same secret version', async () => {
    const response = await revoke('demo');
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ outcome: 'ALREADY_REVOKED', attempts: 0 });
  });

  it('plays the example accounts: an expired token and a flaky upstream', async () => {
    const expired = await revoke('demo-expired');
    expect(expired.json).toMatchObject({ outcome: 'ALREADY_INVALID', upstreamStatus: 401 });
    const flaky = await revoke('demo-flaky');
    expect(flaky.json).toMatchObject({ outcome: 'REVOKED', attempts: 2, upstreamStatus: 200 });
  });

  it('answers 404 NOT_FOUND for an account without a secret', async () => {
    const response = await revoke('nobody');
    expect(response.status).toBe(404);
    expect(response.json).toMatchObject({ accountId: 'nobody', outcome: 'NOT_FOUND' });
  });

  it('passes the caller X-Request-ID through', async () => {
    const id = '3f1c2b7e-8d4a-4c1e-9b2f-0a1b2c3d4e5f';
    const response = await revoke('nobody', { 'X-Request-ID': id });
    expect(response.json['requestId']).toBe(id);
    expect(response.headers.get('x-request-id')).toBe(id);
  });

  it('replays an Idempotency-Key answer', async () => {
    const first = await revoke('nobody', { 'Idempotency-Key': 'local-key-1' });
    const again = await revoke('nobody', { 'Idempotency-Key': 'local-key-1' });
    expect(again.json).toEqual(first.json);
  });

  it.each([
    ['not JSON', 'accountId=demo', 400],
    ['a JSON array', '[]', 400],
    ['an invalid accountId', '{"accountId":"../etc"}', 400],
    ['an unknown field', '{"accountId":"demo","force":true}', 400],
    ['a body over 16 KiB', JSON.stringify({ accountId: 'demo', pad: 'p'.repeat(17_000) }), 413],
  ])('refuses %s with %i and a JSON error', async (_name, body, status) => {
    const response = await request('POST', '/revocations', body);
    expect(response.status).toBe(status);
    expect(response.headers.get('x-request-id')).toMatch(UUID);
    expect(response.json).toEqual({
      error: { code: expect.any(String), message: expect.any(String) },
    });
  });

  it('refuses a body over 1 MiB itself, before the handler', async () => {
    const response = await request('POST', '/revocations', 'x'.repeat(1024 * 1024 + 1));
    expect(response.status).toBe(413);
    expect(response.json).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
  });

  it.each([
    ['GET', '/revocations', 405],
    ['DELETE', '/revocations/demo', 405],
    ['POST', '/revoke', 404],
    ['GET', '/revocations/a/b', 404],
    ['GET', '/_local/nothing', 404],
  ])('answers %s %s with %i and a JSON error', async (method, path, status) => {
    const response = await request(method, path);
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.json).toMatchObject({ error: { code: expect.any(String) } });
  });

  it('delivers an offboarding event once per event id', async () => {
    const body = JSON.stringify({ accountIds: ['demo', 'gone'], eventId: 'evt-local-1' });
    const first = await request('POST', '/_local/offboard', body);
    const again = await request('POST', '/_local/offboard', body);
    expect(first.status).toBe(200);
    expect(first.json).toEqual({
      eventId: 'evt-local-1',
      result: { processed: 2, outcomes: { ALREADY_REVOKED: 1, NOT_FOUND: 1 } },
    });
    expect(again.json).toEqual(first.json);
    const history = await request('GET', '/revocations/gone');
    expect(history.json['items']).toHaveLength(1);
  });

  it('refuses an invalid offboarding event with 400', async () => {
    const response = await request('POST', '/_local/offboard', '{"accountIds":["../x"]}');
    expect(response.status).toBe(400);
    expect(response.json).toMatchObject({ error: { code: 'InvalidEventError' } });
  });

  it('runs the sweep over every seeded account', async () => {
    const response = await request('POST', '/_local/sweep');
    expect(response.status).toBe(200);
    expect(response.json['result']).toMatchObject({ processed: local.accountIds.length });
  });

  it('refuses a second server on the same data directory', async () => {
    await expect(startLocal({ port: 0, dataDir })).rejects.toThrow(/in use/);
  });

  it('keeps records across a restart and re-seeds, so demo is live again', async () => {
    await local.stop();
    local = await startLocal({ port: 0, dataDir });
    const response = await revoke('demo');
    expect(response.json).toMatchObject({ outcome: 'REVOKED', attempts: 1 });
    const history = await request('GET', '/revocations/demo');
    const outcomes = (history.json['items'] as { outcome: string }[]).map((i) => i.outcome);
    expect(outcomes.filter((o) => o === 'REVOKED')).toHaveLength(2);
    expect(outcomes.length).toBeGreaterThanOrEqual(4);
  });

  it('refuses an invalid accounts file without echoing its tokens', async () => {
    const file = join(dataDir, 'bad-accounts.json');
    await writeFile(file, JSON.stringify({ accounts: [{ accountId: '../x', token: 'SECRET-1' }] }));
    const failure = startLocal({ port: 0, dataDir: join(dataDir, 'other'), accountsFile: file });
    await expect(failure).rejects.toThrow(/invalid: accounts\.0\.accountId: must match/);
    await expect(failure).rejects.not.toThrow(/SECRET-1/);
  });

  it('never puts a seeded token in an answer', () => {
    expect(bodies.length).toBeGreaterThan(20);
    for (const body of bodies) expect(body).not.toContain('FAKE-');
  });
});
