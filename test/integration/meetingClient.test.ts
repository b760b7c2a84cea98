// The hand-written Huawei client over real HTTP against the simulator: connection reuse, size
// caps on error bodies, defensive parsing and the deadline.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MeetingClient } from '../../lambda/meeting/MeetingClient.js';
import { MeetingSimulator } from '../../local/MeetingSimulator.js';

let sim: MeetingSimulator;
let client: MeetingClient;

const options = {
  acceptLanguage: 'zh-CN' as const,
  timeoutMs: 1000,
  maxAttempts: 3,
  retryBaseMs: 5,
  maxSockets: 4,
};
const requestId = '6c1f0b4e-1d2a-4b3c-8d4e-5f6a7b8c9d0e';

beforeAll(async () => {
  sim = await MeetingSimulator.start();
  client = new MeetingClient({ ...options, baseUrl: sim.baseUrl });
});
beforeEach(() => {
  sim.reset();
});
afterAll(async () => {
  client.close();
  await sim.stop();
});

describe('MeetingClient', () => {
  it('reuses one keep-alive connection for sequential calls', async () => {
    // Prepare
    const tokens = ['tok-aaaaaaaa-1', 'tok-aaaaaaaa-2', 'tok-aaaaaaaa-3', 'tok-aaaaaaaa-4'];
    for (const t of tokens) sim.addToken(t);
    // Act
    for (const t of tokens) await client.logout(t, { requestId });
    // Assess
    expect(sim.connectionsOpened).toBeLessThanOrEqual(1);
    expect(sim.requests.every((r) => r.headers['accept-language'] === 'zh-CN')).toBe(true);
  });

  it('opens no more connections than maxSockets for concurrent calls', async () => {
    // Prepare
    sim.latencyMs = 30;
    const tokens = Array.from({ length: 40 }, (_, i) => `tok-concurrent-${i}`);
    for (const t of tokens) sim.addToken(t);
    // Act
    const results = await Promise.all(tokens.map((t) => client.logout(t, { requestId })));
    // Assess
    expect(results.every((r) => r.outcome === 'REVOKED')).toBe(true);
    expect(sim.maxInFlight).toBeLessThanOrEqual(4);
    expect(sim.connectionsOpened).toBeLessThanOrEqual(4);
  });

  it('reads an error body of 2 MiB only up to its cap and still classifies it', async () => {
    sim.addToken('tok-big-body');
    sim.script('tok-big-body', { status: 500, bodyBytes: 2 * 1024 * 1024 });
    const result = await client.logout('tok-big-body', { requestId });
    expect(result).toMatchObject({ outcome: 'FAILED', attempts: 3, upstreamStatus: 500 });
    expect(result.upstreamErrorCode).toBeUndefined();
  });

  it.each([
    ['HTML', '<html><h1>502 Bad Gateway</h1></html>'],
    ['empty', ''],
    ['truncated JSON', '{"error_code":"USG.00'],
  ])('copes with an %s error body', async (_name, body) => {
    sim.addToken('tok-odd-body');
    sim.script('tok-odd-body', { status: 403, body });
    const result = await client.logout('tok-odd-body', { requestId });
    expect(result).toEqual({
      outcome: 'REJECTED',
      attempts: 1,
      upstreamStatus: 403,
      upstreamMs: expect.any(Number),
    });
  });

  it('reports a connection reset after the last attempt as FAILED with its code', async () => {
    sim.addToken('tok-reset');
    sim.script('tok-reset', { reset: true });
    const result = await client.logout('tok-reset', { requestId });
    expect(result).toMatchObject({ outcome: 'FAILED', attempts: 3 });
    expect(result.failure).toMatch(/^E[A-Z]+/);
    expect(result.upstreamStatus).toBeUndefined();
  });

  it('times an attempt out and reports timeout', async () => {
    const quick = new MeetingClient({
      ...options,
      baseUrl: sim.baseUrl,
      timeoutMs: 100,
      maxAttempts: 2,
    });
    sim.addToken('tok-hang');
    sim.script('tok-hang', { hang: true });
    const started = Date.now();
    const result = await quick.logout('tok-hang', { requestId });
    quick.close();
    expect(result).toMatchObject({ outcome: 'FAILED', attempts: 2, failure: 'timeout' });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('does not wait for a Retry-After that would pass the deadline', async () => {
    // Prepare
    sim.addToken('tok-later');
    sim.script('tok-later', { status: 429, headers: { 'Retry-After': '20' } });
    // Act
    const started = Date.now();
    const result = await client.logout('tok-later', { requestId, deadline: Date.now() + 5000 });
    // Assess
    expect(result).toMatchObject({
      outcome: 'FAILED',
      attempts: 1,
      upstreamStatus: 429,
      failure: 'http-429',
    });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('validates: dead on 401, alive on 200, unknown when upstream cannot say', async () => {
    // Prepare
    sim.addToken('tok-validate-live');
    const down = createServer((_req, res) => res.writeHead(503).end()).listen(0, '127.0.0.1');
    await new Promise((resolve) => down.once('listening', resolve));
    const downClient = new MeetingClient({
      ...options,
      baseUrl: `http://127.0.0.1:${(down.address() as AddressInfo).port}`,
    });
    // Act
    const alive = await client.validate('tok-validate-live', { requestId });
    const dead = await client.validate('tok-never-issued', { requestId });
    const unknown = await downClient.validate('tok-validate-live', { requestId });
    downClient.close();
    down.close();
    // Assess
    expect([alive, dead, unknown]).toEqual(['alive', 'dead', 'unknown']);
    const [request] = sim.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/v1/usg/acs/token/validate' });
    expect(request?.headers['content-type']).toBe('application/json');
  });

  it('never follows a redirect with the token', async () => {
    sim.addToken('tok-redirect');
    sim.script('tok-redirect', { status: 307, headers: { Location: 'http://127.0.0.1:1/steal' } });
    const result = await client.logout('tok-redirect', { requestId });
    expect(result).toMatchObject({ outcome: 'FAILED', attempts: 1, upstreamStatus: 307 });
    expect(sim.requests).toHaveLength(1);
  });
});
