// Builds the one deployable artefact, dist/handler.mjs (and the chunks it imports, in
// dist/chunks/): the same code the tests, local mode, the benchmark and the CDK app use, so what
// is tested is what is deployed.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decode, encode } from '@jridgewell/sourcemap-codec';
import { build } from 'esbuild';
import { lambdaBundle, requireBanner } from './bundling.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const version = JSON.parse(
  await import('node:fs').then((fs) => fs.readFileSync(resolve(root, 'package.json'), 'utf8')),
).version;

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
  ...lambdaBundle,
  sourcemap: true,
  // Names and lines map back to lambda/ and node_modules; the sources themselves are in the
  // repository, and leaving them out makes the map a quarter of the size to load at start.
  sourcesContent: false,
  metafile: true,
  define: { __PACKAGE_VERSION__: JSON.stringify(version) },
});

// Source maps for our code only. NODE_OPTIONS=--enable-source-maps reads every map of a module
// as it loads, and stack traces operators read in CloudWatch need lambda/ lines, not the SDK's:
// mappings into node_modules are dropped (a frame there keeps its bundle line and column).
// esbuild has no option for this, hence the pass over its maps.
const ours = (source) => /(^|\/)lambda\//.test(source) && !source.includes('node_modules/');
/**
 * Rewrites a map with our mappings only; false when none is left. `linesDropped`: lines taken off
 * the top of the code (the banner), whose mappings go too, so that the rest still line up.
 */
const keepOurMappings = async (file, linesDropped) => {
  const map = JSON.parse(await readFile(file, 'utf8'));
  const sources = [];
  const names = [];
  const indexOf = (list, value) => {
    const at = list.indexOf(value);
    return at === -1 ? list.push(value) - 1 : at;
  };
  const lines = decode(map.mappings)
    .slice(linesDropped)
    .map((segments) => {
      const kept = [];
      for (const segment of segments) {
        if (segment.length > 1 && ours(map.sources[segment[1]])) {
          const mapped = [
            segment[0],
            indexOf(sources, map.sources[segment[1]]),
            segment[2],
            segment[3],
          ];
          if (segment.length === 5) mapped.push(indexOf(names, map.names[segment[4]]));
          kept.push(mapped);
        } else if (kept.length === 0 || kept.at(-1).length > 1) {
          // Ends the previous mapping here, so code after it is not taken for ours.
          kept.push([segment[0]]);
        }
      }
      return kept;
    });
  await writeFile(file, JSON.stringify({ ...map, sources, names, mappings: encode(lines) }));
  return sources.length > 0;
};
// A chunk with nothing of ours to map loses its map and the comment naming it (Node would read
// the file for nothing), and the require() banner when its code never calls require.
const finishOutput = async (path) => {
  const file = resolve(root, path);
  let code = await readFile(file, 'utf8');
  const withoutBanner =
    code.startsWith(`${requireBanner}\n`) && !/\brequire\b/.test(code.slice(requireBanner.length));
  if (withoutBanner) code = code.slice(requireBanner.length + 1);
  if (!(await keepOurMappings(`${file}.map`, withoutBanner ? 1 : 0))) {
    await rm(`${file}.map`);
    delete result.metafile.outputs[`${path}.map`];
    code = code.replace(/\n\/\/# sourceMappingURL=\S+\n$/, '\n');
  }
  await writeFile(file, code);
  result.metafile.outputs[path].bytes = Buffer.byteLength(code);
};
await Promise.all(
  Object.keys(result.metafile.outputs)
    .filter((path) => path.endsWith('.mjs'))
    .map(finishOutput),
);

await writeFile(resolve(root, 'dist/meta.json'), JSON.stringify(result.metafile));
const outputs = Object.entries(result.metafile.outputs).filter(([path]) => path.endsWith('.mjs'));
const entry = result.metafile.outputs['dist/handler.mjs']?.bytes ?? 0;
const total = outputs.reduce((bytes, [, output]) => bytes + output.bytes, 0);
console.log(
  `built dist/handler.mjs (${(entry / 1024).toFixed(1)} KiB, ${outputs.length - 1} chunks, ` +
    `${(total / 1024).toFixed(1)} KiB in all)`,
);
