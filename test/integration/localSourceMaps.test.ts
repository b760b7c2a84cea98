// Local mode's stack traces point our code's frames at lambda/*.ts, as the deployed function's do
// (NODE_OPTIONS=--enable-source-maps), not at minified dist/handler.mjs columns. Runs in a process
// of its own: vitest's workers map stack traces whatever local mode does.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
let dataDir: string;

// Starts local mode as `npm start` does, then has the bundle it loaded refuse an event no trigger
// accepts, and prints that error's stack.
const SCRIPT = `
import { pathToFileURL } from 'node:url';
import { BUNDLE, startLocal } from './local/server.ts';
const local = await startLocal({ port: 0, dataDir: process.env.DATA_DIR });
const { handler } = await import(pathToFileURL(BUNDLE).href);
const context = { getRemainingTimeInMillis: () => 10_000, awsRequestId: 'maps', functionName: 'f' };
try {
  await handler({ 'detail-type': 'Nothing We Know' }, context);
  console.log('no error');
} catch (error) {
  console.log(error.stack);
} finally {
  await local.stop();
}
`;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'local-maps-'));
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

it('maps a stack trace from the bundle local mode runs back to lambda/ sources', () => {
  // Prepare: no source-map setting inherited from the test runner.
  const { NODE_OPTIONS: _ignored, ...env } = process.env;

  // Act
  const stack = execFileSync(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '--eval', SCRIPT],
    {
      cwd: root,
      env: { ...env, DATA_DIR: dataDir, POWERTOOLS_LOG_LEVEL: 'SILENT' },
      encoding: 'utf8',
      timeout: 60_000,
    },
  );

  // Assess: our frames name lambda/ lines, the throwing one first. The maps cover lambda/ only
  // (scripts/build.mjs), so library frames such as Middy's keep their bundle position.
  const frames = stack.split('\n').filter((line) => line.trim().startsWith('at '));
  expect(frames[0]).toMatch(/lambda\/triggers\/recogniseTrigger\.ts:\d+:\d+/);
  expect(stack).toMatch(/lambda\/handler\.ts:\d+:\d+/);
  expect(stack).not.toMatch(/node_modules\//);
}, 60_000);
