// Local mode cannot be driven by a web page the developer visits: a foreign Origin or a
// non-loopback Host (DNS rebinding) gets 403 and a POST that is not JSON gets 415, on every route,
// before anything reaches the handler or the Meeting API.
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalMode, startLocal } from '../../local/server.js';

let local: LocalMode;
let dataDir: string;

interface Answer {
  status: number;
  contentType: string | undefined;
  json: { error?: { code: string; message: string } } & Record<string, unknown>;
}

/** A raw request: fetch would not let a test choose Host. */
const send = (
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<Answer> =>
  new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: local.port, method, path, headers, setHost: !('Host' in headers) },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: res.headers['content-type'],
            json: JSON.parse(text),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });

const JSON_TYPE = { 'Content-Type': 'application/json' };
const ROUTES: [string, string, string?][] = [
  ['GET', '/'],
  ['GET', '/revocations/demo'],
  ['POST', '/revocations', '{"accountId":"demo"}'],
  ['POST', '/_local/sweep', '{}'],
  ['POST', '/_local/offboard', '{"accountIds":["demo"]}'],
];

/** Records kept for an account: a refused request must leave none behind. */
const recordsOf = async (accountId: string) =>
  ((await send('GET', `/revocations/${accountId}`, {})).json['items'] as unknown[]).length;

beforeAll(async () => {
  if (!process.env['TEST_VERBOSE']) process.env['POWERTOOLS_LOG_LEVEL'] = 'SILENT';
  dataDir = await mkdtemp(join(tmpdir(), 'local-guard-'));
  local = await startLocal({ port: 0, dataDir });
});

afterAll(async () => {
  await local?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('local mode refuses what a web page could send', () => {
  it.each(ROUTES)('answers %s %s with 403 for a foreign Origin', async (method, path, body) => {
    const answer = await send(method, path, { ...JSON_TYPE, Origin: 'https://evil.example' }, body);
    expect(answer.status).toBe(403);
    expect(answer.contentType).toBe('application/json');
    expect(answer.json.error?.code).toBe('FORBIDDEN_ORIGIN');
  });

  it.each(ROUTES)('answers %s %s with 403 for a non-loopback Host', async (method, path, body) => {
    const answer = await send(
      method,
      path,
      { ...JSON_TYPE, Host: `attacker.example:${local.port}` },
      body,
    );
    expect(answer.status).toBe(403);
    expect(answer.json.error?.code).toBe('FORBIDDEN_HOST');
  });

  it.each(ROUTES.filter(([method]) => method === 'POST'))(
    'answers %s %s with 415 for a text/plain body or none',
    async (method, path, body) => {
      const plain = await send(method, path, { 'Content-Type': 'text/plain' }, body);
      const form = await send(
        method,
        path,
        { 'Content-Type': 'application/x-www-form-urlencoded' },
        body,
      );
      const untyped = await send(method, path, {});
      for (const answer of [plain, form, untyped]) {
        expect(answer.status).toBe(415);
        expect(answer.json.error?.code).toBe('UNSUPPORTED_MEDIA_TYPE');
      }
    },
  );

  it('revokes nothing for the request from the report, nor for a sweep a page posts', async () => {
    // Prepare
    const before = await recordsOf('demo');

    // Act
    const revoke = await send(
      'POST',
      '/revocations',
      {
        Origin: 'https://evil.example',
        Host: 'attacker.example',
        'Content-Type': 'text/plain',
      },
      '{"accountId":"demo"}',
    );
    const sweep = await send('POST', '/_local/sweep', { 'Content-Type': 'text/plain' }, '{}');

    // Assess
    expect([revoke.status, sweep.status]).toEqual([403, 415]);
    expect(await recordsOf('demo')).toBe(before);
    expect(local.meeting?.isLive('FAKE-demo-token-0000-not-a-real-secret')).toBe(true);
  });

  it.each([
    ['127.0.0.1', undefined],
    ['localhost', 'http://localhost'],
    ['127.0.0.1', 'http://127.0.0.1'],
  ])('serves Host %s with Origin %s (its own origin)', async (host, origin) => {
    const answer = await send(
      'POST',
      '/revocations',
      {
        ...JSON_TYPE,
        Host: `${host}:${local.port}`,
        ...(origin ? { Origin: `${origin}:${local.port}` } : {}),
      },
      '{"accountId":"nobody-here"}',
    );
    expect(answer.status).toBe(404);
    expect(answer.json['outcome']).toBe('NOT_FOUND');
  });

  it('takes application/json with a charset', async () => {
    const answer = await send(
      'POST',
      '/revocations',
      { 'Content-Type': 'Application/JSON; charset=utf-8' },
      '{"accountId":"nobody-here"}',
    );
    expect(answer.status).toBe(404);
  });
});
