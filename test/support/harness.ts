// Runs the built bundle (dist/handler.mjs, what is deployed) against every local stand-in:
// dynalite, the Secrets Manager and SQS endpoints and the Huawei Meeting simulator, all on
// 127.0.0.1. One harness per test file; the environment is the function's, as in Lambda.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { type LocalDynamo, startDynalite } from '../../local/localDynamo.js';
import { MeetingSimulator } from '../../local/MeetingSimulator.js';
import { SecretsManagerStandIn } from '../../local/SecretsManagerStandIn.js';
import { fakeContext } from './lambdaContext.js';
import { SqsStandIn } from './SqsStandIn.js';

export const BUNDLE = resolve(import.meta.dirname, '../../dist/handler.mjs');
export const PREFIX = 'meeting/service-accounts/';
export const OUTCOME_TABLE = 'outcomes';
export const IDEMPOTENCY_TABLE = 'idempotency';

export type Handler = (event: unknown, context: Context) => Promise<unknown>;

export interface Harness {
  handler: Handler;
  dynamo: LocalDynamo;
  meeting: MeetingSimulator;
  secrets: SecretsManagerStandIn;
  sqs: SqsStandIn;
  /** Every line written to stdout and stderr since start (or the last `logs.length = 0`). */
  logs: string[];
  /** Invokes the handler with a fresh context. */
  invoke<T = unknown>(event: unknown, context?: Context): Promise<T>;
  /** Stores a live token for an account, in the secret and in the simulator; returns the version. */
  addAccount(accountId: string, token: string, options?: { raw?: boolean }): string;
  /** Empties tables, secrets, queues and the simulator between tests. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

interface BundleModule {
  handler: Handler;
  closeServices(): void;
}

/** The environment a bundle instance was loaded under, as one fingerprint. */
const environmentKey = (): string =>
  createHash('sha256')
    .update(JSON.stringify(Object.entries(process.env).sort(([a], [b]) => (a < b ? -1 : 1))))
    .digest('hex');

// Instances loaded in this process (a test file): the first is the bundle's own URL, the next
// ones add a query, which Node loads as a new module instance.
let loads = 0;

/** A handler of the built bundle that follows the environment, and closes what it built. */
export type BundleHandler = Handler & { close(): Promise<void> };

/**
 * The bundle's handler as a test sees it: the bundle builds its services once per process, as
 * Lambda's environment never changes, but tests change `process.env` between invocations. So an
 * invocation under an environment other than the one the current instance was loaded under runs
 * on a fresh instance, a new import of dist/handler.mjs: the state is the entry module's, and its
 * chunks hold library code only. Each `bundleHandler()` is one Lambda environment of its own.
 */
export const bundleHandler = (): BundleHandler => {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run \`npm run build\` first`);
  const instances: Promise<BundleModule>[] = [];
  let current: { key: string; module: Promise<BundleModule> } | undefined;
  const handler = async (event: unknown, context: Context) => {
    const key = environmentKey();
    if (current?.key !== key) {
      const url = pathToFileURL(BUNDLE).href + (loads === 0 ? '' : `?load=${loads}`);
      loads += 1;
      current = { key, module: import(url) as Promise<BundleModule> };
      instances.push(current.module);
    }
    const waiting = performance.now();
    const { handler: instance } = await current.module;
    // Loading an instance is Lambda's init phase, which the invocation's timeout does not count.
    const initMs = performance.now() - waiting;
    const remaining = context?.getRemainingTimeInMillis;
    if (initMs < 1 || typeof remaining !== 'function') return instance(event, context);
    return instance(event, {
      ...context,
      getRemainingTimeInMillis: () => remaining.call(context) + initMs,
    });
  };
  // The old instances stay open until the end: an invocation may still be running on one.
  const close = async () => {
    await Promise.allSettled(instances.map(async (instance) => (await instance).closeServices()));
  };
  return Object.assign(handler, { close });
};

export const startHarness = async (env: Record<string, string> = {}): Promise<Harness> => {
  const [dynamo, meeting, secrets, sqs] = await Promise.all([
    startDynalite(),
    MeetingSimulator.start(),
    SecretsManagerStandIn.start(),
    SqsStandIn.start(),
  ]);
  await Promise.all([
    dynamo.createOutcomeTable(OUTCOME_TABLE),
    dynamo.createIdempotencyTable(IDEMPOTENCY_TABLE),
  ]);
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
    AWS_ENDPOINT_URL_SQS: sqs.endpoint,
    MEETING_API_BASE_URL: meeting.baseUrl,
    OUTCOME_TABLE_NAME: OUTCOME_TABLE,
    MEETING_RETRY_BASE_MS: '10',
    AWS_LAMBDA_FUNCTION_NAME: 'meeting-token-revoker',
    ...env,
  });

  const logs: string[] = [];
  const capture = (stream: NodeJS.WriteStream) => {
    const write = stream.write.bind(stream);
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      logs.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      // Kept for the assertions; echoed only on request, so test output stays readable.
      if (process.env['TEST_VERBOSE'])
        return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
      const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }) as typeof stream.write;
    return () => {
      stream.write = write;
    };
  };
  const restoreOut = capture(process.stdout);
  const restoreErr = capture(process.stderr);

  const handler = bundleHandler();
  const harness: Harness = {
    handler,
    dynamo,
    meeting,
    secrets,
    sqs,
    logs,
    invoke: <T>(event: unknown, context?: Context) =>
      handler(event, context ?? fakeContext()) as Promise<T>,
    addAccount(accountId, token, options) {
      meeting.addToken(token);
      return secrets.put(
        `${PREFIX}${accountId}`,
        options?.raw ? token : JSON.stringify({ accessToken: token, appId: 'app-1' }),
      );
    },
    async reset() {
      meeting.reset();
      secrets.reset();
      sqs.reset();
      // A test may have deleted a table on purpose to make writes fail.
      const drop = (name: string) => dynamo.deleteTable(name).catch(() => undefined);
      await Promise.all([drop(OUTCOME_TABLE), drop(IDEMPOTENCY_TABLE)]);
      await Promise.all([
        dynamo.createOutcomeTable(OUTCOME_TABLE),
        dynamo.createIdempotencyTable(IDEMPOTENCY_TABLE),
      ]);
      logs.length = 0;
    },
    async stop() {
      await handler.close();
      restoreOut();
      restoreErr();
      await Promise.all([dynamo.stop(), meeting.stop(), secrets.stop(), sqs.stop()]);
    },
  };
  return harness;
};

/** A realistic-looking token: long, random, never a word that appears elsewhere in a log. */
export const newToken = (): string =>
  `cnr1${Array.from({ length: 40 }, () => Math.floor(Math.random() * 36).toString(36)).join('')}`;
