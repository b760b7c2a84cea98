// The built bundle builds its services (configuration, AWS and Huawei clients) once per process,
// at the first invocation that needs them: Lambda's environment never changes within a process.
// The harness loads a fresh instance of the bundle when a test changes the environment, and that
// instance uses the new one.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MeetingSimulator } from '../../local/MeetingSimulator.js';
import { httpEvent } from '../support/events.js';
import { BUNDLE, type Handler, type Harness, newToken, startHarness } from '../support/harness.js';
import { fakeContext } from '../support/lambdaContext.js';

let h: Harness;
let other: MeetingSimulator;
let first: string;

beforeAll(async () => {
  h = await startHarness();
  other = await MeetingSimulator.start();
  first = h.meeting.baseUrl;
});
beforeEach(async () => {
  process.env['MEETING_API_BASE_URL'] = first;
  await h.reset();
  other.reset();
});
afterAll(async () => {
  process.env['MEETING_API_BASE_URL'] = first;
  await h.stop();
  await other.stop();
});

const revoke = (handler: Handler, accountId: string) =>
  handler(
    httpEvent({ method: 'POST', path: '/revocations', body: { accountId } }),
    fakeContext(),
  ) as Promise<{ statusCode: number; body: string }>;

describe('services per process', () => {
  it('keeps the services of its first invocation when the environment changes later', async () => {
    // Prepare: one instance of the bundle, as one Lambda process
    const { handler, closeServices } = (await import(
      `${pathToFileURL(BUNDLE).href}?process=kept`
    )) as { handler: Handler; closeServices: () => void };
    const before = newToken();
    h.addAccount('kept-1', before);
    await revoke(handler, 'kept-1');
    const after = newToken();
    h.addAccount('kept-2', after);
    other.addToken(after);
    // Act
    process.env['MEETING_API_BASE_URL'] = other.baseUrl;
    const response = await revoke(handler, 'kept-2');
    closeServices();
    // Assess: the second call still went to the simulator the services were built for
    expect(response.statusCode).toBe(200);
    expect(h.meeting.isLive(after)).toBe(false);
    expect(other.isLive(after)).toBe(true);
  });

  it('runs an invocation under a changed environment on a fresh instance that uses it', async () => {
    // Prepare
    const token = newToken();
    h.addAccount('moved-1', token);
    other.addToken(token);
    await h.invoke(httpEvent({ method: 'GET', path: '/revocations/moved-1' }));
    // Act
    process.env['MEETING_API_BASE_URL'] = other.baseUrl;
    const response = await h.invoke<{ statusCode: number }>(
      httpEvent({ method: 'POST', path: '/revocations', body: { accountId: 'moved-1' } }),
    );
    // Assess
    expect(response.statusCode).toBe(200);
    expect(other.isLive(token)).toBe(false);
    expect(h.meeting.isLive(token)).toBe(true);
  });

  it('answers a configuration error as long as it lasts, and a fixed one on the next instance', async () => {
    // Prepare
    process.env['SWEEP_CONCURRENCY'] = 'many';
    const token = newToken();
    h.addAccount('config-1', token);
    const post = () =>
      h.invoke<{ statusCode: number; body: string }>(
        httpEvent({ method: 'POST', path: '/revocations', body: { accountId: 'config-1' } }),
      );
    // Act
    const refused = [await post(), await post()];
    delete process.env['SWEEP_CONCURRENCY'];
    const answered = await post();
    // Assess
    for (const response of refused) {
      expect(response.statusCode).toBe(500);
      expect(response.body).toContain('SWEEP_CONCURRENCY');
    }
    expect(answered.statusCode).toBe(200);
    expect(h.meeting.isLive(token)).toBe(false);
  });
});

describe('AWS retry mode', () => {
  it('keeps the standard retry mode when AWS_RETRY_MODE asks for the adaptive one', async () => {
    // Prepare: the build leaves the adaptive mode's rate limiter out, so the clients must pin
    // the standard mode; an adaptive client would fail its first call here
    process.env['AWS_RETRY_MODE'] = 'adaptive';
    const token = newToken();
    h.addAccount('retry-mode-1', token);
    try {
      // Act
      const response = await h.invoke<{ statusCode: number; body: string }>(
        httpEvent({ method: 'POST', path: '/revocations', body: { accountId: 'retry-mode-1' } }),
      );
      // Assess
      expect(response.statusCode).toBe(200);
      expect(JSON.parse(response.body)).toMatchObject({ outcome: 'REVOKED' });
      expect(h.meeting.isLive(token)).toBe(false);
    } finally {
      delete process.env['AWS_RETRY_MODE'];
    }
  });
});

describe('what a cold start loads', () => {
  // esbuild's metafile: the entry and the chunks it imports statically are what every cold start
  // compiles; the rest is imported when an invocation first needs it.
  const meta = JSON.parse(readFileSync(resolve(BUNDLE, '../meta.json'), 'utf8')) as {
    outputs: Record<
      string,
      { inputs: Record<string, unknown>; imports?: { path: string; kind: string }[] }
    >;
  };
  const loadedAtStart = (): string[] => {
    const seen = new Set<string>();
    const visit = (path: string) => {
      if (seen.has(path) || !meta.outputs[path]) return;
      seen.add(path);
      for (const next of meta.outputs[path].imports ?? []) {
        if (next.kind === 'import-statement') visit(next.path);
      }
    };
    visit('dist/handler.mjs');
    return [...seen].flatMap((path) => Object.keys(meta.outputs[path]?.inputs ?? {}));
  };

  it.each([
    '@aws-sdk/client-sqs',
    '@aws-sdk/client-eventbridge',
    '@aws-lambda-powertools/idempotency',
    '@aws-lambda-powertools/jmespath',
  ])('leaves %s out of the cold start', (name) => {
    // Act
    const inputs = loadedAtStart();
    // Assess
    expect(inputs.some((input) => input.includes('node_modules/@aws-sdk/client-dynamodb'))).toBe(
      true,
    );
    expect(inputs.filter((input) => input.includes(`node_modules/${name}/`))).toEqual([]);
  });
});
