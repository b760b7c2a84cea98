// Builds the one deployable artefact, dist/handler.mjs (and the chunks it imports, in
// dist/chunks/): the same code the tests, local mode, the benchmark and the CDK app use, so what
// is tested is what is deployed.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decode, encode } from '@jridgewell/sourcemap-codec';
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

// Modules the bundle would carry but this function never runs on Lambda's Node 24. Each is
// replaced by a stub that keeps the names its importers read, rather than marked external, so the
// output never refers to a package that is not deployed. Found with the metafile's import chains.
const stub = (contents) => ({ contents, loader: 'js' });
// A function that says what is missing, for code reached only through APIs nobody calls here.
const unused = (what) => `function () { throw new Error('${what} is not bundled'); }`;
const deadOnLambda = {
  // A browser user-agent parser: @aws-sdk/core's browser user-agent provider imports it lazily,
  // and on Node the Node provider runs instead.
  'bowser/bowser.mjs': stub('export const parse = () => ({}); export default { parse };'),
  // Event-stream serialisation, loaded lazily by the HTTP protocol for streaming operations: no
  // operation of DynamoDB, SQS, EventBridge or Secrets Manager streams events.
  '@smithy/core/dist-es/submodules/event-streams/index.js': stub(
    "const none = () => { throw new Error('event streams are not bundled'); };" +
      'export const eventStreamSerdeProvider = none; export class EventStreamSerde { constructor() { none(); } }',
  ),
  // The X-Ray SDK's patcher for AWS SDK v2 clients (Tracer.captureAWS): we trace v3 clients only,
  // and the v2 patcher alone brings semver (28 KiB) for its SDK version check.
  'aws-xray-sdk-core/dist/lib/patchers/aws_p.js': stub(
    "const v2 = () => { throw new Error('AWS SDK v2 clients are not traced in this bundle'); };" +
      'module.exports = { captureAWS: v2, captureAWSClient: v2 };',
  ),
  // X-Ray's samplers (the centralized one polls the daemon for rules) and incoming-request data
  // serve its Express/Restify middleware, which decides whether to trace a request a server
  // receives; in Lambda the invocation's facade segment carries Lambda's own decision.
  'aws-xray-sdk-core/dist/lib/middleware/sampling/default_sampler.js': stub(
    `module.exports = { shouldSample: ${unused('X-Ray sampling')}, setLocalRules: ${unused('X-Ray sampling')} };`,
  ),
  'aws-xray-sdk-core/dist/lib/middleware/sampling/local_sampler.js': stub(
    "module.exports = require('./default_sampler');",
  ),
  'aws-xray-sdk-core/dist/lib/middleware/incoming_request_data.js': stub(
    `module.exports = ${unused('X-Ray incoming request data')};`,
  ),
  // AWSXRay.capturePromise (patches Promise.prototype.then) and the SQL patchers' data class:
  // X-Ray APIs that neither Powertools Tracer nor this function calls.
  'aws-xray-sdk-core/dist/lib/patchers/promise_p.js': stub(
    `module.exports = { capturePromise: ${unused('AWSXRay.capturePromise')} };`,
  ),
  'aws-xray-sdk-core/dist/lib/database/sql_data.js': stub(
    `module.exports = ${unused('X-Ray SQL data')};`,
  ),
  // X-Ray plugins that read EC2 instance metadata, ECS and Elastic Beanstalk files: never
  // configured here, and meaningless inside Lambda.
  'aws-xray-sdk-core/dist/lib/segments/plugins/ec2_plugin.js': stub('module.exports = {};'),
  'aws-xray-sdk-core/dist/lib/segments/plugins/ecs_plugin.js': stub('module.exports = {};'),
  'aws-xray-sdk-core/dist/lib/segments/plugins/elastic_beanstalk_plugin.js':
    stub('module.exports = {};'),
  // Pure-JS SHA-256 for runtimes whose node:crypto lacks it: Node 24 always has it (FIPS too).
  '@smithy/core/dist-es/submodules/checksum/sha256/Sha256Js.js': stub(
    "export class Sha256Js { constructor() { throw new Error('node:crypto has no sha256'); } }",
  ),
  // The region from EC2 instance metadata, when no AWS_REGION is set: Lambda always sets it, and
  // a Lambda sandbox has no instance metadata service.
  '@smithy/core/dist-es/submodules/config/config-resolver/regionConfig/getInstanceMetadataRegion.js':
    stub('export const getInstanceMetadataRegion = async () => undefined;'),
  // S3's bucket-name endpoint rules, run only for an S3 client: this function has none.
  '@smithy/core/dist-es/submodules/endpoints/middleware-endpoint/service-customizations/index.js':
    stub(`export const resolveParamsForS3 = ${unused('S3 endpoint resolution')};`),
  // The shared config files (~/.aws/config and credentials), a fallback for settings missing from
  // the environment: a Lambda sandbox has none, and the function is configured by its environment.
  '@smithy/core/dist-es/submodules/config/shared-ini-file-loader/loadSharedConfigFiles.js': stub(
    "export { CONFIG_PREFIX_SEPARATOR } from './constants';" +
      'export const loadSharedConfigFiles = async () => ({ configFile: {}, credentialsFile: {} });',
  ),
  // DynamoDB endpoint discovery's cache (an LRU from mnemonist, CommonJS, 7 KiB): discovery is off
  // unless AWS_ENABLE_ENDPOINT_DISCOVERY is set, which this function never does; with it on, an
  // empty cache still answers correctly (every request goes to the regional endpoint).
  '@aws-sdk/endpoint-cache/dist-es/index.js': stub(
    'export class EndpointCache { getEndpoint() {} get() {} set() {} delete() {} has() { return false; } clear() {} }',
  ),
  // JMESPath's built-in and Powertools functions (abs, sort_by, powertools_json, ...): the
  // idempotency expressions here are plain field names ('key', 'payload') and call none; a
  // function call would fail loudly with JMESPath's UnknownFunctionError.
  '@aws-lambda-powertools/jmespath/lib/esm/Functions.js': stub(
    'export class Functions { methods = new Set(); introspectMethods() { return this.methods; } }',
  ),
  '@aws-lambda-powertools/jmespath/lib/esm/PowertoolsFunctions.js': stub(
    "import { Functions } from './Functions.js'; export { Functions };" +
      'export class PowertoolsFunctions extends Functions {}',
  ),
};
// JSON a module imports whole when it reads a field or two of it.
const trimmedJson = {
  // The clients and the X-Ray SDK read only the name and version (user agent, segment metadata).
  'package.json': (json) => ({ name: json.name, version: json.version }),
  // Which request and response fields X-Ray records, per service: only the services this
  // function calls through a traced client are kept.
  'aws-xray-sdk-core/dist/lib/resources/aws_whitelist.json': (json) => ({
    services: { dynamodb: json.services.dynamodb, sqs: json.services.sqs },
  }),
};
const trimmedPackageJson =
  /node_modules\/(@aws-sdk\/client-[^/]+|aws-xray-sdk-core)\/package\.json$/;
const lambdaOnly = {
  name: 'lambda-only',
  setup(builder) {
    builder.onLoad({ filter: /node_modules\// }, async ({ path }) => {
      const inPackage = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
      if (deadOnLambda[inPackage]) return deadOnLambda[inPackage];
      const trim = trimmedPackageJson.test(path)
        ? trimmedJson['package.json']
        : trimmedJson[inPackage];
      if (!trim) return undefined;
      const json = JSON.parse(await readFile(path, 'utf8'));
      return { contents: JSON.stringify(trim(json)), loader: 'json' };
    });
  },
};

// Node's built-in modules through process.getBuiltinModule(), as CommonJS, not as ES modules.
// Node builds an ES module facade of a built-in by reading every export, and some exports are
// getters that load more: node:http's WebSocket, CloseEvent and MessageEvent load undici (Node's
// fetch, about 4 % of a cold start, for classes no code here uses), node:fs's promises and
// node:process's report load theirs. Through CommonJS interop an export is read where it is used.
const builtinsAsCommonJs = {
  name: 'builtins-as-commonjs',
  setup(builder) {
    const builtin = new RegExp(`^(node:)?(${builtinModules.join('|')})$`);
    builder.onResolve({ filter: builtin }, ({ path }) => ({
      path: path.replace(/^node:/, ''),
      namespace: 'builtin',
    }));
    builder.onLoad({ filter: /.*/, namespace: 'builtin' }, ({ path }) => ({
      contents: `module.exports = process.getBuiltinModule('node:${path}');`,
      loader: 'js',
    }));
  },
};

// A require() for CommonJS code (the X-Ray SDK under Powertools Tracer) that asks for a module
// esbuild could not bundle; built-ins come through the plugin above.
const requireBanner =
  "const require = process.getBuiltinModule('node:module').createRequire(import.meta.url);";

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
  plugins: [lambdaCredentials, lambdaOnly, builtinsAsCommonJs],
  legalComments: 'none',
  mainFields: ['module', 'main'],
  define: { __PACKAGE_VERSION__: JSON.stringify(version) },
  banner: { js: requireBanner },
  logLevel: 'warning',
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
