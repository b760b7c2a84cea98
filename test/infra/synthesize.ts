// Builds the stack the way infra/app.ts does (cdk.json context, cdk-nag) around a stub bundle, for the infra tests.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { checkContextKeys, readConfig } from '../../infra/config.js';
import { RevokerStack } from '../../infra/RevokerStack.js';

/** cdk.json's context: the feature flags and the defaults the real app synthesises with. */
export const cdkJsonContext = (
  JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
    context: Record<string, unknown>;
  }
).context;

/**
 * A directory with a stand-in handler.mjs: the infra tests check the wiring, not the bundle, and
 * must not depend on lambda/ building (or race a concurrent `npm run build` writing dist/).
 */
export const stubBundle = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'revoker-bundle-'));
  writeFileSync(join(dir, 'handler.mjs'), 'export const handler = async () => ({});\n');
  writeFileSync(join(dir, 'handler.mjs.map'), '{"version":3,"sources":[],"mappings":""}\n');
  writeFileSync(join(dir, 'meta.json'), '{}\n');
  // esbuild's code-split chunks, which handler.mjs imports, and another build's output beside them.
  mkdirSync(join(dir, 'chunks'));
  writeFileSync(join(dir, 'chunks', 'chunk-STUB.mjs'), 'export const x = 1;\n');
  writeFileSync(join(dir, 'meeting-revoke.mjs'), '// the CLI, not part of the function\n');
  return dir;
};

export interface Synthesized {
  readonly app: App;
  readonly stack: RevokerStack;
  readonly template: Template;
}

/** Synthesises the stack with cdk.json's context overridden by `context`, in a fixed region. */
export const synthesize = (context: Record<string, unknown> = {}): Synthesized => {
  const app = new App({
    context: { ...cdkJsonContext, ...context },
    outdir: mkdtempSync(join(tmpdir(), 'revoker-cdk-out-')),
  });
  checkContextKeys(Object.keys(app.node.getAllContext()));
  const config = readConfig((key) => app.node.tryGetContext(key));
  const stack = new RevokerStack(app, config.stackName, {
    config,
    codePath: stubBundle(),
    env: { account: '123456789012', region: 'eu-west-1' },
  });
  return { app, stack, template: Template.fromStack(stack) };
};
