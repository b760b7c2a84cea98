// Builds the one deployable artefact, dist/handler.mjs (and the chunks it imports, in
// dist/chunks/): the same code the tests, local mode, the benchmark and the CDK app use, so what
// is tested is what is deployed.
import { rm, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const version = JSON.parse(
  await import('node:fs').then((fs) => fs.readFileSync(resolve(root, 'package.json'), 'utf8')),
).version;

// Lambda supplies credentials in the environment: the full provider chain is dead weight there.
const lambdaCredentials = {
  name: 'lambda-credentials',
  setup(builder) {
    builder.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, () => ({
      path: resolve(root, 'lambda/commons/lambdaCredentials.ts'),
    }));
  },
};

// Chunk names carry a content hash: clear the last build's, so only current ones are deployed.
await rm(resolve(root, 'dist/chunks'), { recursive: true, force: true });

const result = await build({
  entryPoints: { handler: resolve(root, 'lambda/handler.ts') },
  outdir: resolve(root, 'dist'),
  outExtension: { '.js': '.mjs' },
  // Code only some invocations need (Powertools Tracer and the X-Ray SDK, loaded when tracing is
  // switched on) goes into dist/chunks/, so a cold start does not even compile it.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  minify: true,
  sourcemap: true,
  // Names and lines map back to lambda/ and node_modules; the sources themselves are in the
  // repository, and leaving them out makes the map a quarter of the size to load at start.
  sourcesContent: false,
  metafile: true,
  plugins: [lambdaCredentials],
  legalComments: 'none',
  mainFields: ['module', 'main'],
  define: { __PACKAGE_VERSION__: JSON.stringify(version) },
  // The X-Ray SDK under Powertools Tracer is CommonJS and calls require().
  banner: {
    js: "import { createRequire } from 'module';const require = createRequire(import.meta.url);",
  },
  logLevel: 'warning',
});

await writeFile(resolve(root, 'dist/meta.json'), JSON.stringify(result.metafile));
const outputs = Object.entries(result.metafile.outputs).filter(([path]) => path.endsWith('.mjs'));
const entry = result.metafile.outputs['dist/handler.mjs']?.bytes ?? 0;
const total = outputs.reduce((bytes, [, output]) => bytes + output.bytes, 0);
console.log(
  `built dist/handler.mjs (${(entry / 1024).toFixed(1)} KiB, ${outputs.length - 1} chunks, ` +
    `${(total / 1024).toFixed(1)} KiB in all)`,
);
