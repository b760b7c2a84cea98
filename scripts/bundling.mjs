// What makes a bundle fit for Lambda's Node 24, shared by the deployed build (scripts/build.mjs)
// and the benchmark's yardstick bundles, so that both leave out and rewrite the same code.
import { readFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

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
  // The adaptive retry mode's client-side rate limiter: every client is built with the standard
  // mode (lambda/composition/clients.ts), whatever AWS_RETRY_MODE says.
  '@smithy/core/dist-es/submodules/retry/util-retry/DefaultRateLimiter.js': stub(
    `export class DefaultRateLimiter { constructor() { (${unused('the adaptive retry mode')})(); } }`,
  ),
  '@aws-lambda-powertools/jmespath/lib/esm/Functions.js': stub(
    'export class Functions { methods = new Set(); introspectMethods() { return this.methods; } }',
  ),
  '@aws-lambda-powertools/jmespath/lib/esm/PowertoolsFunctions.js': stub(
    "import { Functions } from './Functions.js'; export { Functions };" +
      'export class PowertoolsFunctions extends Functions {}',
  ),
};
// Modules kept, with one change that keeps their behaviour.
const rewritten = {
  // Every response body the clients read is a Node stream, which the SDK asks "web stream?"
  // first; reading the global ReadableStream to answer loads Node's web streams (about 3 ms of a
  // cold start, for a class no code here uses). A Node stream has pipe(), which a web stream has
  // not, so it is answered without touching the global; the rest is checked as before.
  '@smithy/core/dist-es/submodules/serde/util-stream/stream-type-check.js': stub(
    'export const isReadableStream = (s) => typeof s?.pipe != "function" &&' +
      ' typeof ReadableStream == "function" &&' +
      ' (s?.constructor?.name === ReadableStream.name || s instanceof ReadableStream);' +
      'export const isBlob = (b) => typeof Blob == "function" &&' +
      ' (b?.constructor?.name === Blob.name || b instanceof Blob);',
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
      if (rewritten[inPackage]) return rewritten[inPackage];
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
export const requireBanner =
  "const require = process.getBuiltinModule('node:module').createRequire(import.meta.url);";

/** The esbuild options every Lambda bundle shares: ESM for Node 24, minified, with the above. */
export const lambdaBundle = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  minify: true,
  plugins: [lambdaCredentials, lambdaOnly, builtinsAsCommonJs],
  legalComments: 'none',
  mainFields: ['module', 'main'],
  banner: { js: requireBanner },
  logLevel: 'warning',
};
