// `npm run synth`: synthesises the CDK app offline (cdk-nag included) and prints what a deploy
// would create, stack by stack, instead of the whole template. `npm run synth -- --yaml` prints the
// template as `cdk synth` does; any other argument is passed on to `cdk synth`.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

interface Manifest {
  artifacts?: Record<
    string,
    {
      type: string;
      displayName?: string;
      properties?: { templateFile?: string; directoryName?: string };
    }
  >;
}

interface Template {
  Resources?: Record<string, { Type: string }>;
  Outputs?: Record<string, unknown>;
  Parameters?: Record<string, unknown>;
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

/** Every stack in a cloud assembly, nested assemblies (stages) included. */
const stacksIn = (outdir: string): { name: string; template: Template }[] => {
  const manifest = readJson<Manifest>(join(outdir, 'manifest.json'));
  return Object.entries(manifest.artifacts ?? {}).flatMap(([id, artifact]) => {
    if (artifact.type === 'aws:cloudformation:stack' && artifact.properties?.templateFile) {
      const template = readJson<Template>(join(outdir, artifact.properties.templateFile));
      return [{ name: artifact.displayName ?? id, template }];
    }
    if (artifact.type === 'cdk:cloud-assembly' && artifact.properties?.directoryName) {
      return stacksIn(join(outdir, artifact.properties.directoryName));
    }
    return [];
  });
};

/** What a synthesised assembly would deploy: per stack, its resources counted by type. */
export const summarise = (outdir: string): string => {
  const lines: string[] = [];
  for (const { name, template } of stacksIn(outdir)) {
    const resources = Object.values(template.Resources ?? {});
    const byType = new Map<string, number>();
    for (const { Type } of resources) byType.set(Type, (byType.get(Type) ?? 0) + 1);
    const outputs = Object.keys(template.Outputs ?? {});
    lines.push(`${name}: ${resources.length} resources, ${outputs.length} outputs`);
    const width = Math.max(0, ...[...byType.keys()].map((type) => type.length));
    for (const [type, count] of [...byType].sort(([a], [b]) => a.localeCompare(b))) {
      lines.push(`  ${type.padEnd(width)}  ${count}`);
    }
    if (outputs.length > 0) lines.push(`  outputs: ${outputs.join(', ')}`);
  }
  return lines.join('\n');
};

/** The `--output`/`-o` directory given to cdk synth, else cdk.out. */
const outputOf = (args: string[]): string => {
  for (const [index, arg] of args.entries()) {
    if (arg.startsWith('--output=')) return arg.slice('--output='.length);
    if ((arg === '--output' || arg === '-o') && args[index + 1]) return args[index + 1]!;
  }
  return 'cdk.out';
};

const main = () => {
  const args = process.argv.slice(2);
  const yaml = args.includes('--yaml');
  const rest = args.filter((arg) => arg !== '--yaml');
  // `cdk` is node_modules/.bin/cdk: npm scripts put that folder first on PATH.
  const cdk = spawnSync('cdk', ['synth', '--no-notices', ...(yaml ? [] : ['--quiet']), ...rest], {
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  if (cdk.error) throw cdk.error;
  if (cdk.status !== 0 || yaml) process.exit(cdk.status ?? 1);
  const outdir = resolve(outputOf(rest));
  if (!existsSync(join(outdir, 'manifest.json'))) return;
  console.log(summarise(outdir));
  console.log(`\nTemplates in ${outdir}; \`npm run synth -- --yaml\` prints them.`);
};

if (import.meta.main) main();
