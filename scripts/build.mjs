// Builds the one deployable artefact, dist/handler.mjs: the same file the tests, local mode,
// the benchmark and the CDK app use, so what is tested is what is deployed.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = resolve(root, 'dist/handler.mjs');
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

const result = await build({
  entryPoints: [resolve(root, 'lambda/handler.ts')],
  outfile,
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

await mkdir(dirname(outfile), { recursive: true });
await writeFile(resolve(root, 'dist/meta.json'), JSON.stringify(result.metafile));
const bytes = result.metafile.outputs['dist/handler.mjs']?.bytes ?? 0;
console.log(`built dist/handler.mjs (${(bytes / 1024).toFixed(1)} KiB)`);
