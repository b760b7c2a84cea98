// Builds the ops CLI, dist/meeting-revoke.mjs (the package's `bin`): one file with its
// dependencies inside, so that it runs on any Node >= 20 without node_modules.
import { chmod, readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// --outfile PATH builds elsewhere: tests running side by side must not overwrite each other's.
const outfileArg = process.argv.indexOf('--outfile');
const outfile =
  outfileArg === -1
    ? resolve(root, 'dist/meeting-revoke.mjs')
    : resolve(process.argv[outfileArg + 1] ?? '');
const { version } = JSON.parse(await readFile(resolve(root, 'package.json'), 'utf8'));

await build({
  entryPoints: [resolve(root, 'bin/meeting-revoke.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  mainFields: ['module', 'main'],
  // The AWS SDK's credential providers still hold CommonJS that calls require().
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire } from 'module';const require = createRequire(import.meta.url);",
  },
  define: { __PACKAGE_VERSION__: JSON.stringify(version) },
  logLevel: 'warning',
});
await chmod(outfile, 0o755);
if (!process.argv.includes('--quiet')) console.log(`built ${outfile}`);
