// Local mode's stack traces point at lambda/*.ts, as the deployed function's do
// (NODE_OPTIONS=--enable-source-maps), not at minified dist/handler.mjs columns.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BUNDLE, type LocalMode, startLocal } from '../../local/server.js';
import { fakeContext } from '../support/lambdaContext.js';

let local: LocalMode;
let dataDir: string;

beforeAll(async () => {
  if (!process.env['TEST_VERBOSE']) process.env['POWERTOOLS_LOG_LEVEL'] = 'SILENT';
  dataDir = await mkdtemp(join(tmpdir(), 'local-maps-'));
  local = await startLocal({ port: 0, dataDir });
});

afterAll(async () => {
  await local?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

it('maps a stack trace from the bundle local mode runs back to lambda/ sources', async () => {
  // Prepare: the module instance local mode loaded (one per process, like a warm Lambda).
  const { handler } = (await import(pathToFileURL(BUNDLE).href)) as {
    handler: (event: unknown, context: unknown) => Promise<unknown>;
  };

  // Act: an event no trigger accepts is refused by the bundle's own code.
  const error = await handler({ 'detail-type': 'Nothing We Know' }, fakeContext()).then(
    () => undefined,
    (thrown: unknown) => thrown as Error,
  );

  // Assess
  expect(error?.stack).toMatch(/lambda\/[\w/]+\.ts:\d+:\d+/);
  expect(error?.stack).not.toMatch(/handler\.mjs:\d+:\d{4,}/);
});
