// `npx cdk synth` as an operator runs it: offline, no credentials, cdk-nag on, cdk.json's context.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { summarise } from '../../scripts/synth.js';
import { stubBundle } from './synthesize.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface Run {
  readonly status: number | null;
  readonly output: string;
  readonly outdir: string;
}

/**
 * Where the bundle comes from. `npm test` builds dist/ before the tests and other test files read
 * it meanwhile, so cdk.json's rebuild is skipped when the bundle exists; a checkout without
 * lambda/ synthesises around a stub.
 */
const bundleArguments = (app: string): string[] => {
  if (existsSync(join(root, 'dist/handler.mjs'))) return ['--app', app];
  if (existsSync(join(root, 'lambda/handler.ts')))
    return ['--app', `node scripts/build.mjs && ${app}`];
  return ['--app', app, '--context', `codePath=${stubBundle()}`];
};

const cdkSynth = (app: string, extra: readonly string[] = []): Run => {
  const outdir = mkdtempSync(join(tmpdir(), 'revoker-synth-'));
  // No credentials and no instance metadata: synth must not need an AWS account or the network.
  const env: NodeJS.ProcessEnv = {
    PATH: [join(root, 'node_modules/.bin'), dirname(process.execPath), process.env.PATH].join(
      delimiter,
    ),
    HOME: process.env.HOME,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_REGION: 'eu-west-1',
    CDK_DEFAULT_REGION: 'eu-west-1',
  };
  const result = spawnSync(
    process.execPath,
    [
      join(root, 'node_modules/aws-cdk/bin/cdk'),
      'synth',
      '--no-notices',
      '--quiet',
      '--output',
      outdir,
      ...bundleArguments(app),
      ...extra,
    ],
    { cwd: root, env, encoding: 'utf8', timeout: 120_000 },
  );
  return {
    status: result.status,
    output: `${result.stdout}${result.stderr}`,
    outdir,
  };
};

let synth: Run;
let probe: Run;
let typo: Run;

beforeAll(() => {
  synth = cdkSynth('npx tsx infra/app.ts');
  probe = cdkSynth('npx tsx test/infra/fixtures/nagProbeApp.ts');
  typo = cdkSynth('npx tsx infra/app.ts', ['--context', 'secretPrefx=typo/']);
}, 360_000);

describe('cdk synth', () => {
  it('succeeds offline and writes the stack template with the function on Node 24', () => {
    // Prepare
    expect(synth.output).not.toMatch(/error/i);
    expect(synth.status).toBe(0);
    const template = JSON.parse(
      readFileSync(join(synth.outdir, 'MeetingTokenRevoker.template.json'), 'utf8'),
    ) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
    const functions = Object.values(template.Resources).filter(
      (resource) => resource.Type === 'AWS::Lambda::Function',
    );

    // Assess
    // The API function and the worker: one bundle, deployed twice.
    expect(functions).toHaveLength(2);
    for (const fn of functions) {
      expect(fn.Properties).toMatchObject({ Runtime: 'nodejs24.x', Handler: 'handler.handler' });
    }
  });

  it('is summarised by npm run synth: per stack, every resource counted by type', () => {
    // Act
    const summary = summarise(synth.outdir);

    // Assess
    const template = JSON.parse(
      readFileSync(join(synth.outdir, 'MeetingTokenRevoker.template.json'), 'utf8'),
    ) as { Resources: Record<string, unknown> };
    const total = Object.keys(template.Resources).length;
    expect(summary).toMatch(
      new RegExp(`^MeetingTokenRevoker: ${total} resources, \\d+ outputs$`, 'm'),
    );
    expect(summary).toMatch(/^ {2}AWS::Lambda::Function +2$/m);
    expect(summary.split('\n').length).toBeLessThan(80);
  });

  it('refuses a mistyped context key, naming the key it resembles', () => {
    // Assess
    expect(typo.status).not.toBe(0);
    expect(typo.output).toContain('context "secretPrefx"');
    expect(typo.output).toContain('did you mean "secretPrefix"?');
    expect(existsSync(join(typo.outdir, 'MeetingTokenRevoker.template.json'))).toBe(false);
  });

  it('runs cdk-nag: the stack passes, and a resource that breaks a rule stops the synth', () => {
    // Prepare
    const report = JSON.parse(
      readFileSync(join(synth.outdir, 'validation-report.json'), 'utf8'),
    ) as {
      pluginReports: { violations?: unknown[] }[];
    };

    // Assess
    expect(report.pluginReports.flatMap((plugin) => plugin.violations ?? [])).toEqual([]);
    expect(probe.status).not.toBe(0);
    expect(probe.output).toContain('AwsSolutions-SQS3');
    expect(probe.output).toContain('AwsSolutions-SQS4');
    expect(probe.output).toContain('MeetingTokenRevoker/NagProbe/Resource');
    expect(probe.output).not.toMatch(/MeetingTokenRevoker\/(?!NagProbe)\S+\/Resource/);
  });
});
