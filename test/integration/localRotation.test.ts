// Local mode rotates the demo account end to end: RotateSecret on the Secrets Manager stand-in runs
// the built bundle's four steps, the simulator mints with App ID authentication, and the old token
// is revoked and recorded by its version.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalMode, startLocal } from '../../local/server.js';

const DEMO_TOKEN = 'FAKE-demo-token-0000-not-a-real-secret';
const DEMO_SECRET = 'meeting/service-accounts/demo';

let local: LocalMode;
let dataDir: string;

const post = async (path: string, body: unknown) => {
  const response = await fetch(`${local.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, text, json: JSON.parse(text) as Record<string, unknown> };
};

beforeAll(async () => {
  if (!process.env['TEST_VERBOSE']) process.env['POWERTOOLS_LOG_LEVEL'] = 'SILENT';
  dataDir = await mkdtemp(join(tmpdir(), 'local-rotation-'));
  local = await startLocal({ port: 0, dataDir });
});

afterAll(async () => {
  await local?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('local mode rotation', () => {
  it('seeds demo with rotation configured', () => {
    expect(local.rotatingAccountIds).toEqual(['demo']);
  });

  it('rotates demo: a new AWSCURRENT token the simulator accepts, the old one dead and recorded', async () => {
    // Prepare
    const oldVersion = local.secrets
      .versionsOf(DEMO_SECRET)
      .find((v) => v.stages.includes('AWSCURRENT'))?.id;
    // Act
    const response = await post('/_local/rotate', { accountId: 'demo' });
    // Assess
    expect(response.status).toBe(200);
    expect(response.json['steps']).toHaveLength(4);
    const current = JSON.parse(local.secrets.valueAt(DEMO_SECRET) as string) as {
      accessToken: string;
    };
    expect(current.accessToken).not.toBe(DEMO_TOKEN);
    expect(local.meeting?.isLive(current.accessToken)).toBe(true);
    expect(local.meeting?.isLive(DEMO_TOKEN)).toBe(false);
    const history = await fetch(`${local.url}/revocations/demo`).then(
      (r) => r.json() as Promise<{ items: Record<string, unknown>[] }>,
    );
    expect(history.items[0]).toMatchObject({
      trigger: 'rotation',
      outcome: 'REVOKED',
      secretVersionId: oldVersion,
    });
    expect(response.text).not.toContain(current.accessToken);
    expect(response.text).not.toContain(DEMO_TOKEN);
  });

  it('refuses an account it did not seed', async () => {
    const response = await post('/_local/rotate', { accountId: 'nobody' });
    expect(response.status).toBe(400);
    expect(response.json).toMatchObject({ error: { code: 'INVALID_ACCOUNT' } });
  });

  it('answers 409 when a seeded account has no rotation configured', async () => {
    const response = await post('/_local/rotate', { accountId: 'demo-flaky' });
    expect(response.status).toBe(409);
    expect(JSON.stringify(response.json)).toMatch(/No Lambda rotation function/);
  });
});
