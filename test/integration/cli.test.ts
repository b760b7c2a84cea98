// The meeting-revoke CLI against local mode: outcomes, history, --json, and every exit code,
// in-process through main() and once through the built bundle as a real process.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { type LocalMode, startLocal } from '../../local/server.js';

const ROOT = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

let local: LocalMode;
let dir: string;

const cli = async (argv: string[], env: Record<string, string> = {}) => {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    env,
  });
  return { code, stdout, stderr };
};

const api = () => ['--api', local.url];

beforeAll(async () => {
  // The handler's own log lines are not what these tests check; TEST_VERBOSE=1 shows them.
  if (!process.env['TEST_VERBOSE']) process.env['POWERTOOLS_LOG_LEVEL'] = 'SILENT';
  dir = await mkdtemp(join(tmpdir(), 'cli-local-'));
  const accountsFile = join(dir, 'accounts.json');
  await writeFile(
    accountsFile,
    JSON.stringify({
      accounts: [
        { accountId: 'ops-ok', token: 'FAKE-cli-ok' },
        { accountId: 'ops-bundle', token: 'FAKE-cli-bundle' },
        { accountId: 'ops-json', token: 'FAKE-cli-json' },
        { accountId: 'ops-rejected', token: 'FAKE-cli-rejected', simulate: [{ status: 403 }] },
        { accountId: 'ops-failing', token: 'FAKE-cli-failing', simulate: [{ status: 503 }] },
        { accountId: 'history', token: 'FAKE-cli-history' },
      ],
    }),
  );
  local = await startLocal({ port: 0, dataDir: join(dir, 'data'), accountsFile });
});

afterAll(async () => {
  await local?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('meeting-revoke against local mode', () => {
  it('revokes an account: exit 0 and a readable outcome', async () => {
    const result = await cli(['ops-ok', '--reason', 'offboarded', ...api()]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^REVOKED {2}ops-ok {2}\(the token is logged out\)/);
    expect(result.stdout).toMatch(/request id +[0-9a-f-]{36}/);
    expect(result.stdout).toMatch(/attempts +1\n/);
    expect(result.stdout).toMatch(/upstream +200\n/);
    expect(result.stdout).toMatch(/recorded at +\d{4}-/);
    expect(result.stderr).toBe('');
  });

  it('answers ALREADY_REVOKED with exit 0 the second time', async () => {
    const result = await cli(['revoke', 'ops-ok', ...api()]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ALREADY_REVOKED {2}ops-ok/);
  });

  it('is refused a reason that holds a control character (the API stores none)', async () => {
    const result = await cli(['ops-ok', '--reason', 'offboarded\u001b[31m', ...api()]);
    expect(result.code).toBe(6);
    expect(result.stderr).toMatch(/^meeting-revoke: HTTP 400 VALIDATION_ERROR/);
    expect(result.stderr).not.toContain('\u001b');
  });

  it('prints the history as a table, newest first', async () => {
    const result = await cli(['history', 'ops-ok', ...api()]);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('ops-ok: 2 records, newest first');
    expect(lines[1]).toMatch(
      /^RECORDED AT +OUTCOME +TRIGGER +SECRET VERSION +TRIES +UPSTREAM +REQUEST ID +BY +REASON$/,
    );
    expect(lines[2]).toMatch(/ALREADY_REVOKED +api +[0-9a-f-]{36} +0 +- /);
    expect(lines[3]).toMatch(
      /REVOKED +api +[0-9a-f-]{36} +1 +200 +[0-9a-f-]{36} +user\/local-operator +offboarded$/,
    );
    expect(result.stdout).not.toContain('\u001b');
  });

  it('prints the raw answer with --json, history with --limit', async () => {
    const revoked = await cli(['ops-json', '--json', ...api()]);
    expect(revoked.code).toBe(0);
    expect(JSON.parse(revoked.stdout)).toMatchObject({ accountId: 'ops-json', outcome: 'REVOKED' });
    await cli(['ops-json', ...api()]);
    const history = await cli(['history', 'ops-json', '--limit', '1', '--json', ...api()]);
    expect(history.code).toBe(0);
    const body = JSON.parse(history.stdout) as { items: { outcome: string }[] };
    expect(body.items.map((item) => item.outcome)).toEqual(['ALREADY_REVOKED']);
  });

  it('takes --limit 99 as the API does: every record up to 50', async () => {
    const history = await cli(['history', 'ops-json', '--limit', '99', '--json', ...api()]);
    expect(history.code).toBe(0);
    const body = JSON.parse(history.stdout) as { items: { outcome: string }[] };
    expect(body.items.map((item) => item.outcome)).toEqual(['ALREADY_REVOKED', 'REVOKED']);
  });

  it('revokes an account named "history" through the explicit revoke command', async () => {
    const result = await cli(['revoke', 'history', ...api()]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^REVOKED {2}history/);
  });

  it.each([
    ['ops-missing', 3, 'NOT_FOUND'],
    ['ops-rejected', 4, 'REJECTED'],
    ['ops-failing', 5, 'FAILED'],
  ])('maps %s to exit %i (%s), reported on stderr', async (accountId, code, outcome) => {
    const result = await cli([accountId, ...api()]);
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(new RegExp(`^${outcome} {2}${accountId}`));
    expect(result.stdout).toBe('');
  });

  it('exits 6 on an API error without an outcome (Idempotency-Key reused with another body)', async () => {
    await cli(['ops-missing', '--idempotency-key', 'cli-key', ...api()]);
    const result = await cli(['ops-other', '--idempotency-key', 'cli-key', ...api()]);
    expect(result.code).toBe(6);
    expect(result.stderr).toMatch(
      /^meeting-revoke: HTTP 422 IDEMPOTENCY_KEY_REUSED: .+ \(request id [0-9a-f-]{36}\)/,
    );
  });

  it('takes the API URL from MEETING_REVOKER_API_URL', async () => {
    const result = await cli(['history', 'ops-ok'], { MEETING_REVOKER_API_URL: local.url });
    expect(result.code).toBe(0);
  });

  it.each([
    [[]],
    [['ops-ok']], // no API URL
    [['../etc', '--api', 'http://127.0.0.1:1']],
    [['ops-ok', 'extra', '--api', 'http://127.0.0.1:1']],
    [['ops-ok', '--api', 'http://api.example.com']],
    [['ops-ok', '--api', 'not a url']],
    [['history', 'ops-ok', '--limit', '0', '--api', 'http://127.0.0.1:1']],
    [['history', 'ops-ok', '--reason', 'x', '--api', 'http://127.0.0.1:1']],
    [['ops-ok', '--reason', 'r'.repeat(257), '--api', 'http://127.0.0.1:1']],
    [['ops-ok', '--idempotency-key', 'with space', '--api', 'http://127.0.0.1:1']],
    [['ops-ok', '--bogus', '--api', 'http://127.0.0.1:1']],
    [['ops-ok', '--api', 'https://revoker.example.com']], // no region for a custom domain
  ])('exits 2 on a usage error: %j', async (argv) => {
    const result = await cli(argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^meeting-revoke: .+\nTry meeting-revoke --help\.\n$/);
    expect(result.stdout).toBe('');
  });

  it('exits 7 when nothing answers', async () => {
    // A port that was free a moment ago: nothing listens there.
    const port = await new Promise<number>((done) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => done(port));
      });
    });
    const result = await cli(['ops-ok', '--api', `http://127.0.0.1:${port}`]);
    expect(result.code).toBe(7);
    expect(result.stderr).toMatch(/ECONNREFUSED/);
  });

  it('prints its usage with --help, exit 0', async () => {
    const result = await cli(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Exit codes:');
  });

  it('works as the built bundle, a real process with real exit codes', async () => {
    await run(process.execPath, [join(ROOT, 'scripts/build-cli.mjs'), '--quiet']);
    const bundle = join(ROOT, 'dist/meeting-revoke.mjs');
    const ok = await run(process.execPath, [bundle, 'ops-bundle', '--api', local.url]);
    expect(ok.stdout).toMatch(/^REVOKED {2}ops-bundle/);
    const missing = await run(process.execPath, [bundle, 'ops-nobody', '--api', local.url]).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(missing).toMatchObject({ code: 3, stderr: expect.stringMatching(/^NOT_FOUND/) });
  });
});
