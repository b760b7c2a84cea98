// Local mode (`npm start`): the deployed bundle, dist/handler.mjs, behind an API Gateway stand-in
// on 127.0.0.1, with dynalite, the Secrets Manager stand-in and the Meeting simulator in-process.
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { registerHooks } from 'node:module';
import type { AddressInfo } from 'node:net';
import { relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { accountsFileFor, type LocalAccount, loadAccounts } from './accounts.js';
import { AwsError } from './awsJsonServer.js';
import {
  LOCAL_USER_ARN,
  toHttpApiEvent,
  writeIntegrationError,
  writeResult,
} from './httpApiEvent.js';
import { type LocalDynamo, startDynalite } from './localDynamo.js';
import { MeetingSimulator } from './MeetingSimulator.js';
import { refusalOf } from './requestGuard.js';
import { SecretsManagerStandIn } from './SecretsManagerStandIn.js';

const ROOT = resolve(import.meta.dirname, '..');
export const BUNDLE = resolve(ROOT, 'dist/handler.mjs');
export const DEFAULT_DATA_DIR = resolve(ROOT, '.local-data');
export const DEFAULT_PORT = 3000;
export const OUTCOME_TABLE = 'outcomes';
export const IDEMPOTENCY_TABLE = 'idempotency';
/** API Gateway takes up to 10 MB; a local tool has no use for more than this. */
export const MAX_BODY_BYTES = 1024 * 1024;
const FUNCTION_NAME = 'meeting-token-revoker-local';
/** The simulator's App ID in local mode; its App Key is drawn afresh each start, never shown. */
export const LOCAL_APP_ID = 'local-demo-app';
/** Outside SECRET_PREFIX, so that the sweep never takes it for an account. */
export const LOCAL_APP_SECRET = 'meeting/local-app-credentials';
/** The deployed function's timeout (infra/RevokerFunction.ts), so deadlines behave alike. */
const FUNCTION_TIMEOUT_MS = 29_000;
const STOP_GRACE_MS = 5_000;

type Handler = (event: unknown, context: Context) => Promise<unknown>;

export interface LocalOptions {
  /** 0 picks a free port. Default 3000. */
  port?: number;
  /** Outcome records and idempotency keys live here across restarts. Default `.local-data/`. */
  dataDir?: string;
  /** Default: local/accounts.json if present, else local/accounts.example.json. */
  accountsFile?: string;
  /** A real (or other) Meeting API; without it the simulator is started. */
  meetingApiBaseUrl?: string;
  /** One line per request; silent unless given. */
  log?: (line: string) => void;
}

export interface LocalMode {
  url: string;
  port: number;
  dataDir: string;
  accountsFile: string;
  accountIds: string[];
  /** Accounts whose secret has rotation configured (with the simulator only). */
  rotatingAccountIds: string[];
  meetingApiBaseUrl: string;
  /** The simulator, when local mode runs one. */
  meeting: MeetingSimulator | undefined;
  secrets: SecretsManagerStandIn;
  dynamo: LocalDynamo;
  stop(): Promise<void>;
}

interface BundleModule {
  handler: Handler;
  closeServices(): void;
}

let loads = 0;

/**
 * tsx (which runs local mode) rewrites every ES module it loads and drops the bundle's source map
 * for its own; the bundle is plain JavaScript, so it and its chunks are loaded exactly as built.
 */
const loadBundleAsBuilt = () => {
  const dist = `${pathToFileURL(resolve(ROOT, 'dist')).href}/`;
  registerHooks({
    load: (url, context, nextLoad) =>
      url.startsWith(dist) && url.split('?')[0]?.endsWith('.mjs')
        ? { format: 'module', source: readFileSync(fileURLToPath(url)), shortCircuit: true }
        : nextLoad(url, context),
  });
};

/**
 * An instance of the bundle for one start: like a Lambda process, it builds its services (clients
 * and their sockets) once and keeps them between calls. A later start in the same process has new
 * stand-in endpoints, so it loads a fresh instance (a query makes Node load the module anew).
 */
const loadHandler = (): Promise<BundleModule> => {
  if (!existsSync(BUNDLE)) {
    return Promise.reject(new Error(`${BUNDLE} is missing: run \`npm run build\` first`));
  }
  if (loads === 0) loadBundleAsBuilt();
  const url = pathToFileURL(BUNDLE).href + (loads === 0 ? '' : `?start=${loads}`);
  loads += 1;
  return import(url) as Promise<BundleModule>;
};

/** A context whose remaining time runs down from the deployed function's timeout. */
const lambdaContext = (): Context => {
  const deadline = Date.now() + FUNCTION_TIMEOUT_MS;
  const unsupported = () => {
    throw new Error('done/fail/succeed are not available to async handlers');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: FUNCTION_NAME,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${process.env['AWS_REGION']}:000000000000:function:${FUNCTION_NAME}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${FUNCTION_NAME}`,
    logStreamName: `local/[$LATEST]${randomUUID().replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
};

/**
 * Points the handler at the stand-ins through the standard SDK settings, as a deployment would
 * through its environment. Anything that could reach a real AWS account is removed.
 */
const configureEnvironment = (endpoints: {
  dynamodb: string;
  secretsManager: string;
  meeting: string;
}) => {
  const env = process.env;
  for (const name of [
    'AWS_PROFILE', // would make the SDK skip the dummy keys below for a real profile
    'AWS_SESSION_TOKEN',
    'AWS_ENDPOINT_URL',
    'AWS_ENDPOINT_URL_SQS',
    'WORK_QUEUE_URL', // no queue locally: the sweep revokes inline
  ]) {
    delete env[name];
  }
  Object.assign(env, {
    AWS_REGION: env['AWS_REGION'] || 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoints.secretsManager,
    MEETING_API_BASE_URL: endpoints.meeting,
    OUTCOME_TABLE_NAME: OUTCOME_TABLE,
    IDEMPOTENCY_TABLE_NAME: IDEMPOTENCY_TABLE,
    MEETING_APP_SECRET_ID: env['MEETING_APP_SECRET_ID'] || LOCAL_APP_SECRET,
    AWS_LAMBDA_FUNCTION_NAME: FUNCTION_NAME,
    POWERTOOLS_TRACE_ENABLED: 'false',
  });
  // Keeps the console readable: one access line per request instead of every JSON log line
  // and metric blob. Set these variables to see them.
  if (!env['POWERTOOLS_LOG_LEVEL'] && !env['LOG_LEVEL'] && !env['AWS_LAMBDA_LOG_LEVEL']) {
    env['POWERTOOLS_LOG_LEVEL'] = 'WARN';
  }
  env['POWERTOOLS_METRICS_DISABLED'] ??= 'true';
};

/** One local server per data directory: two dynalites on one LevelDB crash the process. */
const acquireLock = (dataDir: string): (() => void) => {
  const lock = resolve(dataDir, 'server.lock');
  try {
    writeFileSync(lock, String(process.pid), { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const pid = Number(readFileSync(lock, 'utf8'));
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
      throw new Error(
        `${dataDir} is in use by another local server (pid ${pid}); stop it or set LOCAL_DATA_DIR`,
      );
    }
    writeFileSync(lock, String(process.pid)); // left behind by a crash: take it over
  }
  return () => rmSync(lock, { force: true });
};

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const ignoreExisting = (error: unknown) => {
  // Tables persist in the data directory: on a restart they are already there.
  if (!(error instanceof Error) || error.name !== 'ResourceInUseException') throw error;
};

const seed = (
  accounts: LocalAccount[],
  secrets: SecretsManagerStandIn,
  meeting: MeetingSimulator | undefined,
) => {
  const prefix = process.env['SECRET_PREFIX'] || 'meeting/service-accounts/';
  const field = process.env['SECRET_TOKEN_FIELD'] || 'accessToken';
  if (meeting) {
    // Rotation mints with App ID authentication: an App ID the simulator knows, in its own secret.
    const appKey = randomBytes(24).toString('hex');
    meeting.addApp(LOCAL_APP_ID, appKey);
    secrets.put(LOCAL_APP_SECRET, JSON.stringify({ appId: LOCAL_APP_ID, appKey }));
  }
  for (const account of accounts) {
    // A fresh in-memory stand-in each start gives every secret a new version id, so revoking
    // `demo` again after a restart is a new revocation, not ALREADY_REVOKED.
    const name = `${prefix}${account.accountId}`;
    secrets.put(name, account.raw ? account.token : JSON.stringify({ [field]: account.token }));
    if (!meeting) continue;
    if (account.rotate) secrets.configureRotation(name, `local:${FUNCTION_NAME}`);
    if (account.live !== false) meeting.addToken(account.token);
    if (account.simulate) meeting.script(account.token, account.simulate);
  }
};

const json = (res: ServerResponse, status: number, body: unknown, headers = {}) => {
  const text = JSON.stringify(body, null, 2);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
  return status;
};

const errorBody = (code: string, message: string) => ({ error: { code, message } });

class BodyTooLarge extends Error {}

const readBody = async (req: IncomingMessage): Promise<Buffer> => {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) throw new BodyTooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
};

const parseObject = (body: Buffer): Record<string, unknown> | undefined => {
  try {
    const value: unknown = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
};

export const startLocal = async (options: LocalOptions = {}): Promise<LocalMode> => {
  const dataDir = resolve(options.dataDir ?? DEFAULT_DATA_DIR);
  const accountsFile = accountsFileFor(options.accountsFile);
  const accounts = loadAccounts(accountsFile);
  const log = options.log ?? (() => undefined);
  mkdirSync(dataDir, { recursive: true });
  const releaseLock = acquireLock(dataDir);

  const started: { stop(): Promise<void> }[] = [];
  const track = <T extends { stop(): Promise<void> }>(service: T): T => {
    started.push(service);
    return service;
  };
  const stopStarted = () => Promise.allSettled(started.map((service) => service.stop()));

  let server: Server | undefined;
  try {
    const [dynamo, secrets, meeting] = await Promise.all([
      startDynalite({ path: resolve(dataDir, 'dynamodb') }).then(track),
      SecretsManagerStandIn.start().then(track),
      options.meetingApiBaseUrl ? undefined : MeetingSimulator.start().then(track),
    ]);
    await Promise.all([
      dynamo.createOutcomeTable(OUTCOME_TABLE).catch(ignoreExisting),
      dynamo.createIdempotencyTable(IDEMPOTENCY_TABLE).catch(ignoreExisting),
    ]);
    seed(accounts, secrets, meeting);
    const meetingApiBaseUrl = options.meetingApiBaseUrl ?? meeting!.baseUrl;
    configureEnvironment({
      dynamodb: dynamo.endpoint,
      secretsManager: secrets.endpoint,
      meeting: meetingApiBaseUrl,
    });
    // Stack traces name lambda/*.ts lines, as NODE_OPTIONS=--enable-source-maps does for the
    // deployed function; it applies to code loaded from here on, so before the bundle.
    process.setSourceMapsEnabled(true);
    // Only now: Powertools reads its settings from the environment when the bundle loads.
    const bundle = await loadHandler();
    track({ stop: async () => bundle.closeServices() });
    const { handler } = bundle;

    /** Known once listening (port 0 picks one); requests only arrive after that. */
    let listeningPort = options.port ?? DEFAULT_PORT;

    // One invocation at a time, as one Lambda instance works; a request waits for the previous.
    let queue: Promise<unknown> = Promise.resolve();
    const invoke = (event: unknown): Promise<unknown> => {
      const run = queue.then(() => handler(event, lambdaContext()));
      queue = run.catch(() => undefined);
      return run.finally(() => {
        // The stand-ins record every call for test assertions; a long local session must not
        // keep them (the simulator's records hold the tokens it was sent).
        if (meeting) meeting.requests.length = 0;
        secrets.calls.length = 0;
      });
    };

    const index = () => ({
      service: 'meeting-token-revoker',
      mode: 'local',
      meetingApi: { baseUrl: meetingApiBaseUrl, simulator: meeting !== undefined },
      dataDir,
      accountsFile,
      accounts: accounts.map((account) => account.accountId),
      identity: LOCAL_USER_ARN,
      routes: {
        'POST /revocations': 'revoke an account\'s token: {"accountId": "demo", "reason": "..."}',
        'GET /revocations/{accountId}': 'outcome records, newest first (?limit=N)',
        'POST /_local/sweep': 'local only: run the scheduled sweep over every seeded account',
        'POST /_local/offboard':
          'local only: deliver an "Account Offboarded" event: {"accountIds": ["demo"]}',
        'POST /_local/rotate':
          'local only: rotate an account\'s secret as Secrets Manager would (RotateSecret, then the four steps): {"accountId": "demo"}',
      },
    });

    /** Runs an event trigger and reports its summary, or the error the platform would retry. */
    const trigger = async (res: ServerResponse, event: Record<string, unknown>, id: string) => {
      try {
        return json(res, 200, { eventId: id, result: await invoke(event) });
      } catch (error) {
        const name = error instanceof Error ? error.name : 'Error';
        const message = error instanceof Error ? error.message : String(error);
        const status = name === 'InvalidEventError' ? 400 : 500;
        return json(res, status, { eventId: id, ...errorBody(name, message) });
      }
    };

    // RotateSecret runs the rotation function's four steps through the handler, one invocation
    // each, as Secrets Manager invokes it.
    const steps: unknown[] = [];
    secrets.rotationRunner = async (event) => {
      const result = await invoke(event);
      steps.push(result);
      return result;
    };
    const rotate = async (res: ServerResponse, accountId: unknown) => {
      if (
        typeof accountId !== 'string' ||
        !accounts.some((account) => account.accountId === accountId)
      ) {
        return json(
          res,
          400,
          errorBody('INVALID_ACCOUNT', 'accountId must name a seeded account.'),
        );
      }
      const prefix = process.env['SECRET_PREFIX'] || 'meeting/service-accounts/';
      steps.length = 0;
      try {
        const { versionId } = await secrets.rotate(`${prefix}${accountId}`);
        return json(res, 200, { accountId, versionId, steps: [...steps] });
      } catch (error) {
        // The stand-in's own refusals carry AWS's error type; a failing step, the handler's error.
        const name =
          error instanceof AwsError ? error.type : error instanceof Error ? error.name : 'Error';
        const message = error instanceof Error ? error.message : String(error);
        const status = name === 'InvalidRequestException' ? 409 : 500;
        return json(res, status, { accountId, steps: [...steps], ...errorBody(name, message) });
      }
    };

    const localRoute = async (req: IncomingMessage, res: ServerResponse, path: string) => {
      const body = await readBody(req);
      if (path !== '/_local/sweep' && path !== '/_local/offboard' && path !== '/_local/rotate') {
        return json(res, 404, errorBody('NOT_FOUND', `No local route ${path.slice(0, 200)}.`));
      }
      if (req.method !== 'POST') {
        return json(res, 405, errorBody('METHOD_NOT_ALLOWED', 'Use POST on this path.'), {
          Allow: 'POST',
        });
      }
      const input = parseObject(body);
      if (!input)
        return json(res, 400, errorBody('INVALID_JSON', 'The body must be a JSON object.'));
      const id = typeof input['eventId'] === 'string' ? input['eventId'] : randomUUID();
      const time = `${new Date().toISOString().slice(0, 19)}Z`;
      if (path === '/_local/sweep') {
        return trigger(res, { action: 'sweep', scheduledTime: time, executionId: id }, id);
      }
      if (path === '/_local/rotate') return rotate(res, input['accountId']);
      const { eventId: _ignored, ...detail } = input;
      return trigger(
        res,
        {
          version: '0',
          id,
          'detail-type': 'Account Offboarded',
          source: 'local.operator',
          account: '000000000000',
          time,
          region: process.env['AWS_REGION'],
          resources: [],
          detail,
        },
        id,
      );
    };

    const handle = async (req: IncomingMessage, res: ServerResponse): Promise<number | string> => {
      const refusal = refusalOf(req.method, req.headers, listeningPort);
      if (refusal) {
        // Refused before the body is read: close rather than drain whatever was sent.
        return json(res, refusal.status, errorBody(refusal.code, refusal.message), {
          Connection: 'close',
        });
      }
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      if (path === '/' && req.method === 'GET') return json(res, 200, index());
      if (path.startsWith('/_local/')) return localRoute(req, res, path);
      const event = toHttpApiEvent(req, await readBody(req));
      let result: unknown;
      try {
        result = await invoke(event);
      } catch {
        // A thrown HTTP invocation is API Gateway's plain 500; the handler has logged it.
        writeIntegrationError(res);
        return 500;
      }
      const status = writeResult(res, result);
      if (event.routeKey !== 'POST /revocations') return status;
      const outcome = /"outcome":"([A-Z_]+)"/.exec(
        String((result as { body?: unknown } | null)?.body),
      );
      return outcome?.[1] ? `${status} ${outcome[1]}` : status;
    };

    server = createServer({ requestTimeout: 60_000 }, (req, res) => {
      const started = performance.now();
      handle(req, res)
        .catch((error: unknown) => {
          if (error instanceof BodyTooLarge) {
            // Refused before reading on: the connection is closed, not drained.
            return json(
              res,
              413,
              errorBody(
                'PAYLOAD_TOO_LARGE',
                `The local server takes bodies up to ${MAX_BODY_BYTES} bytes.`,
              ),
              { Connection: 'close' },
            );
          }
          if (!res.headersSent) writeIntegrationError(res);
          else res.destroy();
          return 500;
        })
        .then((status) => {
          const ms = Math.round(performance.now() - started);
          log(`${req.method} ${(req.url ?? '/').slice(0, 200)} → ${status} (${ms} ms)`);
        });
    });
    const httpServer = server;
    await new Promise<void>((resolveListen, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(options.port ?? DEFAULT_PORT, '127.0.0.1', () => {
        httpServer.off('error', reject);
        resolveListen();
      });
    });
    const { port } = httpServer.address() as AddressInfo;
    listeningPort = port;

    let stopping: Promise<void> | undefined;
    const stop = () => {
      stopping ??= (async () => {
        const closed = new Promise<void>((done) => httpServer.close(() => done()));
        httpServer.closeIdleConnections();
        // An invocation in flight records its outcome before the stand-ins go away.
        await Promise.race([queue, new Promise((done) => setTimeout(done, STOP_GRACE_MS).unref())]);
        httpServer.closeAllConnections();
        await closed;
        await stopStarted();
        releaseLock();
      })();
      return stopping;
    };

    return {
      url: `http://127.0.0.1:${port}`,
      port,
      dataDir,
      accountsFile,
      accountIds: accounts.map((account) => account.accountId),
      rotatingAccountIds: meeting
        ? accounts.filter((account) => account.rotate).map((account) => account.accountId)
        : [],
      meetingApiBaseUrl,
      meeting,
      secrets,
      dynamo,
      stop,
    };
  } catch (error) {
    server?.close();
    await stopStarted();
    releaseLock();
    if ((error as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE') {
      throw new Error(
        `port ${options.port} is in use: set PORT to another port (0 picks a free one)`,
      );
    }
    throw error;
  }
};

const banner = (local: LocalMode, simulated: boolean, seconds: string): string => {
  const { url } = local;
  // The curl lines use an account that exists, `demo` when the file has it.
  const sample = local.accountIds.includes('demo') ? 'demo' : (local.accountIds[0] ?? 'demo');
  const shown = local.accountIds.slice(0, 8).join(', ');
  const rotating = local.rotatingAccountIds[0];
  const more = local.accountIds.length > 8 ? ` and ${local.accountIds.length - 8} more` : '';
  const meeting = simulated
    ? `SIMULATOR at ${local.meetingApiBaseUrl} (nothing reaches Huawei Cloud)`
    : `${local.meetingApiBaseUrl}  ** REAL upstream: revocations are real **`;
  return [
    '',
    'meeting-token-revoker: local mode',
    `  API          ${url}  (dist/handler.mjs behind an API Gateway HTTP API stand-in)`,
    `  Meeting API  ${meeting}`,
    `  Accounts     ${shown || '(none)'}${more}  (from ${relative(process.cwd(), local.accountsFile) || local.accountsFile})`,
    `  Data         ${local.dataDir}  (outcome records persist; delete it to start afresh)`,
    `  Caller       ${LOCAL_USER_ARN}`,
    '',
    'Try:',
    `  curl -s -X POST -H 'content-type: application/json' -d '{"accountId":"${sample}"}' ${url}/revocations`,
    `  curl -s ${url}/revocations/${sample}`,
    `  curl -s -X POST -H 'content-type: application/json' ${url}/_local/sweep`,
    `  curl -s -X POST -H 'content-type: application/json' -d '{"accountIds":["${sample}"]}' ${url}/_local/offboard`,
    ...(simulated && rotating
      ? [
          `  curl -s -X POST -H 'content-type: application/json' -d '{"accountId":"${rotating}"}' ${url}/_local/rotate   (rotation: a new token, the old one revoked)`,
        ]
      : []),
    `  npm run -s cli -- ${sample} --api ${url}`,
    `  npm run -s cli -- history ${sample} --api ${url}`,
    '',
    `Ready in ${seconds} s. Ctrl-C to stop.`,
    '',
  ].join('\n');
};

const parsePort = (raw: string | undefined): number => {
  if (raw === undefined || raw.trim() === '') return DEFAULT_PORT;
  const port = Number(raw);
  if (!/^\d{1,5}$/.test(raw.trim()) || port > 65_535) {
    throw new Error(`PORT must be a port number (0-65535), got "${raw.slice(0, 20)}"`);
  }
  return port;
};

const main = async () => {
  const time = () => new Date().toISOString().slice(11, 19);
  let local: LocalMode;
  try {
    const meetingApiBaseUrl = process.env['MEETING_API_BASE_URL']?.trim() || undefined;
    local = await startLocal({
      port: parsePort(process.env['PORT']),
      ...(process.env['LOCAL_DATA_DIR'] ? { dataDir: process.env['LOCAL_DATA_DIR'] } : {}),
      ...(process.env['LOCAL_ACCOUNTS_FILE']
        ? { accountsFile: process.env['LOCAL_ACCOUNTS_FILE'] }
        : {}),
      ...(meetingApiBaseUrl ? { meetingApiBaseUrl } : {}),
      log: (line) => console.log(`${time()} ${line}`),
    });
  } catch (error) {
    console.error(`local mode could not start: ${error instanceof Error ? error.message : error}`);
    process.exit(1);
  }
  // performance.now() counts from process start, so this includes loading TypeScript.
  console.log(banner(local, local.meeting !== undefined, (performance.now() / 1000).toFixed(1)));

  let stopping = false;
  const shutdown = (signal: string) => {
    // npm forwards the terminal's Ctrl-C to a child that already got it: one stop is enough.
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping...`);
    setTimeout(() => {
      console.error('could not stop in time; exiting');
      process.exit(1);
    }, 2 * STOP_GRACE_MS).unref();
    local.stop().then(
      () => console.log('stopped.'),
      (error: unknown) => {
        console.error(`stop failed: ${error instanceof Error ? error.message : error}`);
        process.exitCode = 1;
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
};

if (import.meta.main) await main();
