// meeting-revoke rotate against the Secrets Manager stand-in: RotateSecret on the account's secret
// with the default credential chain, every exit code, and once as the built bundle, a real process.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { SecretsManagerStandIn } from '../../local/SecretsManagerStandIn.js';

const ROOT = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ROTATION_FUNCTION = 'arn:aws:lambda:eu-west-1:123456789012:function:revoker';
const TOKEN = 'FAKE-rotate-token-never-printed';

let sm: SecretsManagerStandIn;
let dir: string;

const credentials = async () => ({ accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-secret' });

const cli = async (
  argv: string[],
  env: Record<string, string> = {},
  provider: typeof credentials = credentials,
) => {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    env: { AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint, AWS_REGION: 'eu-west-1', ...env },
    credentials: provider,
  });
  return { code, stdout, stderr };
};

const rotateCalls = () => sm.calls.filter((call) => call.operation === 'RotateSecret');

beforeAll(async () => {
  sm = await SecretsManagerStandIn.start();
  dir = await mkdtemp(join(tmpdir(), 'cli-rotate-'));
});
beforeEach(() => {
  sm.reset();
  sm.put('meeting/service-accounts/svc-rot', JSON.stringify({ accessToken: TOKEN }));
  sm.configureRotation('meeting/service-accounts/svc-rot', ROTATION_FUNCTION);
});
afterAll(async () => {
  await sm?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('meeting-revoke rotate', () => {
  it('starts a rotation of the account secret and prints the new version', async () => {
    // Act
    const result = await cli(['rotate', 'svc-rot']);
    // Assess
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const [started] = sm.rotationsStarted;
    expect(started?.secretName).toBe('meeting/service-accounts/svc-rot');
    expect(started?.versionId).toMatch(UUID);
    expect(result.stdout).toMatch(/^ROTATING {2}svc-rot {2}\(rotation started/);
    expect(result.stdout).toContain('secret       meeting/service-accounts/svc-rot\n');
    expect(result.stdout).toContain(`new version  ${started?.versionId}  (AWSPENDING`);
    expect(result.stdout).toContain('meeting-revoke history svc-rot');
    expect(rotateCalls()).toHaveLength(1);
    expect(rotateCalls()[0]?.input).toEqual({
      SecretId: 'meeting/service-accounts/svc-rot',
      ClientRequestToken: started?.versionId,
      RotateImmediately: true,
    });
    expect(result.stdout).not.toContain(TOKEN);
  });

  it('prints the account, secret, ARN and new version as JSON with --json', async () => {
    const result = await cli(['rotate', 'svc-rot', '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      accountId: 'svc-rot',
      secretId: 'meeting/service-accounts/svc-rot',
      arn: sm.arnOf('meeting/service-accounts/svc-rot'),
      versionId: sm.rotationsStarted[0]?.versionId,
    });
  });

  it('takes the secret prefix from --secret-prefix, else SECRET_PREFIX', async () => {
    // Prepare
    sm.put('team-a/svc-rot', 'plain-token');
    sm.configureRotation('team-a/svc-rot', ROTATION_FUNCTION);
    sm.put('team-b/svc-rot', 'plain-token');
    sm.configureRotation('team-b/svc-rot', ROTATION_FUNCTION);
    // Act
    const byOption = await cli(['rotate', 'svc-rot', '--secret-prefix', 'team-a/'], {
      SECRET_PREFIX: 'ignored/',
    });
    const byEnv = await cli(['rotate', 'svc-rot'], { SECRET_PREFIX: 'team-b/' });
    // Assess
    expect([byOption.code, byEnv.code]).toEqual([0, 0]);
    expect(sm.rotationsStarted.map((r) => r.secretName)).toEqual([
      'team-a/svc-rot',
      'team-b/svc-rot',
    ]);
  });

  it('exits 3 when the account has no secret', async () => {
    const result = await cli(['rotate', 'svc-nobody']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('no secret named meeting/service-accounts/svc-nobody');
  });

  it('exits 6 when rotation is not configured for the secret', async () => {
    // Prepare
    sm.put('meeting/service-accounts/svc-plain', 'plain-token');
    // Act
    const result = await cli(['rotate', 'svc-plain']);
    // Assess
    expect(result.code).toBe(6);
    expect(result.stderr).toMatch(
      /refused to rotate .*InvalidRequestException: No Lambda rotation/,
    );
    expect(sm.rotationsStarted).toEqual([]);
  });

  it('exits 6 while an earlier rotation of the secret is still running', async () => {
    // Act
    const first = await cli(['rotate', 'svc-rot']);
    const second = await cli(['rotate', 'svc-rot']);
    sm.endRotation('meeting/service-accounts/svc-rot');
    const third = await cli(['rotate', 'svc-rot']);
    // Assess
    expect([first.code, second.code, third.code]).toEqual([0, 6, 0]);
    expect(second.stderr).toContain("A previous rotation isn't complete");
  });

  it('exits 6 when Secrets Manager denies access', async () => {
    sm.fail('RotateSecret', { type: 'AccessDeniedException', message: 'not authorised' });
    const result = await cli(['rotate', 'svc-rot']);
    expect(result.code).toBe(6);
    expect(result.stderr).toContain('AccessDeniedException: not authorised');
  });

  it('exits 7 when no credentials can be loaded', async () => {
    // Prepare
    const none = async (): Promise<never> => {
      throw Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError',
      });
    };
    // Act
    const result = await cli(['rotate', 'svc-rot'], {}, none);
    // Assess
    expect(result.code).toBe(7);
    expect(result.stderr).toContain('Could not load credentials');
    expect(rotateCalls()).toEqual([]);
  });

  it('exits 7 when nothing answers', async () => {
    // Prepare: a port that was just free
    const probe = createServer();
    await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
    const { port } = probe.address() as { port: number };
    await new Promise<void>((done) => probe.close(() => done()));
    // Act
    const result = await cli(['rotate', 'svc-rot'], {
      AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${port}`,
    });
    // Assess
    expect(result.code).toBe(7);
    expect(result.stderr).toMatch(/no answer from Secrets Manager .*ECONNREFUSED/);
  });

  it.each([
    [['rotate']],
    [['rotate', '../etc']],
    [['rotate', 'svc-rot', 'extra']],
    [['rotate', 'svc-rot', '--api', 'http://127.0.0.1:1']],
    [['rotate', 'svc-rot', '--limit', '3']],
    [['rotate', 'svc-rot', '--reason', 'why']],
    [['rotate', 'svc-rot', '--idempotency-key', 'k']],
    [['rotate', 'svc-rot', '--secret-prefix', 'bad prefix/']],
    [['svc-rot', '--secret-prefix', 'team-a/', '--api', 'http://127.0.0.1:1']],
  ])('exits 2 on a usage error: %j', async (argv) => {
    const result = await cli(argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^meeting-revoke: /);
    expect(rotateCalls()).toEqual([]);
  });

  it('exits 2 on a SECRET_PREFIX Secrets Manager could not name', async () => {
    const result = await cli(['rotate', 'svc-rot'], { SECRET_PREFIX: 'bad prefix/' });
    expect(result.code).toBe(2);
  });

  it('documents rotate in --help', async () => {
    const result = await cli(['--help']);
    expect(result.stdout).toContain('meeting-revoke rotate <accountId>');
    expect(result.stdout).toContain('RotateSecret');
  });

  it('works as the built bundle, with credentials from the default chain (environment)', async () => {
    // Prepare
    const bundle = join(dir, 'meeting-revoke.mjs');
    await run(process.execPath, [
      join(ROOT, 'scripts/build-cli.mjs'),
      '--quiet',
      '--outfile',
      bundle,
    ]);
    const env = {
      PATH: process.env['PATH'] ?? '',
      HOME: dir,
      AWS_ACCESS_KEY_ID: 'AKIDBUNDLETEST',
      AWS_SECRET_ACCESS_KEY: 'bundle-secret',
      AWS_REGION: 'eu-west-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
    };
    // Act
    const ok = await run(process.execPath, [bundle, 'rotate', 'svc-rot', '--json'], { env });
    const missing = await run(process.execPath, [bundle, 'rotate', 'svc-none'], { env }).catch(
      (error: { code: number; stderr: string }) => error,
    );
    // Assess
    expect(JSON.parse(ok.stdout)).toMatchObject({
      accountId: 'svc-rot',
      versionId: expect.any(String),
    });
    expect(sm.rotationsStarted).toHaveLength(1);
    expect((missing as { code: number }).code).toBe(3);
  });
});

describe('meeting-revoke history of a rotation', () => {
  it('shows the secret version a rotation record names', async () => {
    // Prepare
    const { formatHistory } = await import('../../cli/format.js');
    const replaced = '5f0c3c1e-9b7a-4d2e-8f10-2a3b4c5d6e7f';
    // Act
    const text = formatHistory('svc-rot', [
      {
        recordedAt: '2026-12-02T17:00:00.000Z',
        outcome: 'REVOKED',
        trigger: 'rotation',
        secretVersionId: replaced,
        attempts: 1,
        upstreamStatus: 200,
        requestId: '0f3b9c1e-2a4d-4e6f-8a1b-3c5d7e9f1a2b',
      },
    ]);
    // Assess
    const [, header, row] = text.split('\n');
    expect(header).toMatch(/^RECORDED AT +OUTCOME +TRIGGER +SECRET VERSION +TRIES/);
    expect(row).toMatch(
      new RegExp(`^2026-12-02T17:00:00.000Z +REVOKED +rotation +${replaced} +1 +200 `),
    );
  });
});
