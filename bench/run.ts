// `npm run bench`: bundle size, cold import and cold first request, per-request time, sweeps (at
// several concurrencies, and against a throttling upstream), the fan-out and the curl baseline,
// each against its yardstick in the same run; prints the report, and with `--write` rewrites
// BENCHMARKS.md (a plain run leaves the tracked tree clean).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, platform, release, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { lambdaBundle } from '../scripts/bundling.mjs';
import { renderReport } from './report.js';
import { type StandIns, startStandIns } from './standIns.js';
import { sum } from './stats.js';
import type { Lateness } from './upstreamLateness.js';
import type { SweepMemory, Task, TaskResult } from './worker.js';

const root = resolve(import.meta.dirname, '..');
const BUNDLE = resolve(root, 'dist/handler.mjs');
const META = resolve(root, 'dist/meta.json');
const OUT = resolve(root, 'dist/bench');

/**
 * Flags (after `npm run bench --`): `--write` rewrites BENCHMARKS.md (a full run only; otherwise
 * the report goes to dist/bench/); `--quick` small counts, to try the harness; `--only=` a comma
 * list of sections (see SECTIONS); `--no-big` skips the 10,000-account sweep; `--cpu-prof` writes
 * V8 profiles of the workers to dist/bench/profiles. Partial runs write
 * dist/bench/BENCHMARKS.partial.md and leave BENCHMARKS.md alone.
 */
const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
/** Writes a V8 CPU profile of every worker to dist/bench/profiles (for finding what to optimise). */
const CPU_PROF = args.includes('--cpu-prof');
const WRITE = args.includes('--write');
const SECTIONS = [
  'cold',
  'coldpost',
  'requests',
  'sweep',
  'efficiency',
  'throttle',
  'fanout',
  'curl',
  'big',
] as const;
type Section = (typeof SECTIONS)[number];
const only = args.find((arg) => arg.startsWith('--only='));
const selected = new Set<Section>(
  only
    ? (only.slice('--only='.length).split(',') as Section[])
    : SECTIONS.filter((section) => section !== 'big' || !args.includes('--no-big')),
);
for (const section of selected) {
  if (!SECTIONS.includes(section)) {
    throw new Error(`unknown section ${section}: use --only=${SECTIONS.join(',')}`);
  }
}
const PARTIAL = QUICK || only !== undefined || CPU_PROF;

/** Memory of the deployed function (infra/RevokerFunction.ts). */
const DEPLOYED_MEMORY_MB = 512;
/** The memory the large sweep must fit in. */
const BIG_MEMORY_MB = 256;

export const SETTINGS = {
  deployedMemoryMb: DEPLOYED_MEMORY_MB,
  bigMemoryMb: BIG_MEMORY_MB,
  coldRounds: QUICK ? 3 : 15,
  requestWarmup: QUICK ? 10 : 40,
  requests: QUICK ? 40 : 400,
  sweepAccounts: 1000,
  sweepLatencyMs: 50,
  sweepConcurrency: 8,
  sweepOrder: (QUICK
    ? ['handler', 'direct']
    : ['handler', 'direct', 'direct', 'handler', 'handler', 'direct']) as ('handler' | 'direct')[],
  curlTokens: QUICK ? 10 : 50,
  bigAccounts: QUICK ? 2000 : 10_000,
  bigConcurrency: 32,
  /** Sweep efficiency beside concurrency 8 (section 4): handler only, one run each. */
  efficiencyConcurrencies: [32, 128],
  /** The upstream answers 429 (Retry-After: 1) above `k` in flight. */
  throttle: { accounts: QUICK ? 200 : 400, latencyMs: 50, concurrency: 32, k: 8 },
  /** The sweep's fan-out to the work queue, SQS answering each call after `sqsLatencyMs`. */
  fanout: { accounts: QUICK ? 2000 : 10_000, sqsLatencyMs: 5, memoryMb: 256 },
  /** The function's timeout (infra/RevokerFunction.ts): the fan-out must take under a quarter. */
  functionTimeoutMs: 29_000,
  coldPostRounds: QUICK ? 3 : 15,
  quick: QUICK,
  sections: [...selected],
};

const SECRET_PREFIX_ROOT = 'bench/';

// ---------------------------------------------------------------------------------------------
// Children

/** The environment Lambda gives the function, with dummy credentials and no tracing daemon. */
const lambdaEnv = (extra: Record<string, string> = {}): Record<string, string> => ({
  PATH: process.env['PATH'] ?? '/usr/bin:/bin',
  HOME: process.env['HOME'] ?? '/tmp',
  LANG: 'en_US.UTF-8',
  TZ: ':UTC',
  AWS_REGION: 'eu-west-1',
  AWS_DEFAULT_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'AKIDBENCHMARKONLY',
  AWS_SECRET_ACCESS_KEY: 'benchmark-secret-access-key',
  AWS_SESSION_TOKEN: 'benchmark-session-token',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
  AWS_LAMBDA_FUNCTION_NAME: 'meeting-token-revoker',
  AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(DEPLOYED_MEMORY_MB),
  AWS_LAMBDA_LOG_FORMAT: 'JSON',
  AWS_LAMBDA_LOG_LEVEL: 'INFO',
  POWERTOOLS_SERVICE_NAME: 'meeting-token-revoker',
  POWERTOOLS_METRICS_NAMESPACE: 'MeetingTokenRevoker',
  POWERTOOLS_TRACE_ENABLED: 'false',
  MEETING_API_BASE_URL: 'http://127.0.0.1:9',
  OUTCOME_TABLE_NAME: 'outcomes',
  ...extra,
});

/**
 * The V8 flags Lambda's Node.js bootstrap derives from the function's memory (a tenth for the
 * young generation, the rest for the old one), so that garbage collection runs as it would there.
 */
const lambdaNodeArgs = (memoryMb: number): string[] => {
  const newSpace = Math.floor(memoryMb / 10);
  return [
    '--expose-gc',
    '--max-http-header-size=81920',
    `--max-semi-space-size=${Math.floor(newSpace / 2)}`,
    `--max-old-space-size=${memoryMb - newSpace}`,
  ];
};

const waitForExit = (child: ChildProcess): Promise<number | null> =>
  new Promise((done, fail) => {
    child.once('error', fail);
    child.once('exit', (code) => done(code));
  });

/** Runs bench/worker in a fresh process; its logs go to dist/bench/<name>.log. */
const runWorker = async (
  name: string,
  task: Task,
  env: Record<string, string>,
): Promise<TaskResult> => {
  const logPath = resolve(OUT, `${name}.log`);
  const log = openSync(logPath, 'w');
  const memoryMb = Number(env['AWS_LAMBDA_FUNCTION_MEMORY_SIZE'] ?? DEPLOYED_MEMORY_MB);
  const profile = CPU_PROF
    ? [
        '--cpu-prof',
        `--cpu-prof-dir=${resolve(OUT, 'profiles')}`,
        `--cpu-prof-name=${name}.cpuprofile`,
      ]
    : [];
  const nodeArgs = [...lambdaNodeArgs(memoryMb), ...profile, resolve(OUT, 'worker.mjs')];
  const child = spawn(process.execPath, nodeArgs, {
    cwd: root,
    env: { ...env, BENCH_TASK: JSON.stringify(task) },
    stdio: ['ignore', log, 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  let result: TaskResult | undefined;
  child.on('message', (message) => {
    result = message as TaskResult;
  });
  const code = await waitForExit(child);
  closeSync(log);
  writeFileSync(resolve(OUT, `${name}.stderr.log`), stderr);
  if (code !== 0 || !result) {
    const tail = readFileSync(logPath, 'utf8').split('\n').slice(-15).join('\n');
    throw new Error(`worker ${name} failed (exit ${code}):\n${stderr.slice(-3000)}\n${tail}`);
  }
  return result;
};

// ---------------------------------------------------------------------------------------------
// 1. Bundle

export interface BundleStats {
  /** Every file deployed: handler.mjs and its chunks. */
  rawBytes: number;
  gzipBytes: number;
  /** What a cold start loads: handler.mjs and the chunks it imports statically. */
  coldBytes: number;
  contributors: { name: string; bytes: number }[];
  sdkPackages: string[];
}

const packageOf = (input: string): string => {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  if (match?.[1]) return match[1];
  return input.startsWith('lambda/') ? 'lambda/ (this project)' : input;
};

const bundleStats = (): BundleStats => {
  const meta = JSON.parse(readFileSync(META, 'utf8')) as {
    outputs: Record<
      string,
      {
        bytes: number;
        inputs: Record<string, { bytesInOutput: number }>;
        imports?: { path: string; kind: string }[];
      }
    >;
  };
  const entry = meta.outputs['dist/handler.mjs'];
  if (!entry) throw new Error('dist/meta.json has no dist/handler.mjs output');
  // The entry and its chunks (esbuild splits off what only some invocations load).
  const outputs = Object.entries(meta.outputs).filter(([path]) => path.endsWith('.mjs'));
  const code = Buffer.concat(outputs.map(([path]) => readFileSync(resolve(root, path))));
  const coldBytes =
    entry.bytes +
    sum(
      (entry.imports ?? [])
        .filter((i) => i.kind === 'import-statement' && meta.outputs[i.path])
        .map((i) => meta.outputs[i.path]?.bytes ?? 0),
    );
  const byPackage = new Map<string, number>();
  for (const [, output] of outputs) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = packageOf(input);
      byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
    }
  }
  const contributors = [...byPackage.entries()]
    .map(([name, bytes]) => ({ name, bytes }))
    .sort((a, b) => b.bytes - a.bytes);
  return {
    rawBytes: code.length,
    gzipBytes: gzipSync(code, { level: 9 }).length,
    coldBytes,
    contributors,
    // The clients the bundle carries: what the cold-import yardstick imports unbundled.
    sdkPackages: contributors
      .map((c) => c.name)
      .filter((name) => /^@aws-sdk\/(client|lib)-/.test(name))
      .sort(),
  };
};

// ---------------------------------------------------------------------------------------------
// 2. Cold import

export interface ColdArm {
  label: string;
  importMs: number[];
  processMs: number[];
  bootMs: number[];
}

const coldImport = async (sdkPackages: string[]): Promise<ColdArm[]> => {
  const bundleUrl = pathToFileURL(BUNDLE).href;
  const maps = { NODE_OPTIONS: '--enable-source-maps' };
  const arms: (ColdArm & { imports: string[]; env: Record<string, string> })[] = [
    {
      label: 'dist/handler.mjs, NODE_OPTIONS=--enable-source-maps (as deployed)',
      imports: [bundleUrl],
      env: lambdaEnv(maps),
    },
    { label: 'dist/handler.mjs, no source maps', imports: [bundleUrl], env: lambdaEnv() },
    {
      label: `bare SDK clients, unbundled (${sdkPackages.join(', ')})`,
      imports: sdkPackages,
      env: lambdaEnv(maps),
    },
  ].map((arm) => ({ ...arm, importMs: [], processMs: [], bootMs: [] }));
  const script = resolve(OUT, 'coldImport.mjs');
  for (let round = 0; round < SETTINGS.coldRounds; round += 1) {
    // Rotate the order each round: no arm always follows another.
    for (let k = 0; k < arms.length; k += 1) {
      const arm = arms[(round + k) % arms.length]!;
      const started = performance.now();
      const child = spawn(process.execPath, [...lambdaNodeArgs(DEPLOYED_MEMORY_MB), script], {
        cwd: root,
        env: { ...arm.env, BENCH_IMPORTS: JSON.stringify(arm.imports) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8');
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8');
      });
      const code = await waitForExit(child);
      const wall = performance.now() - started;
      const line = out.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
      if (code !== 0 || !line) throw new Error(`cold import of ${arm.label} failed:\n${out}`);
      const { bootMs, importMs } = JSON.parse(line.slice('BENCH_RESULT '.length)) as {
        bootMs: number;
        importMs: number;
      };
      arm.importMs.push(importMs);
      arm.bootMs.push(bootMs);
      arm.processMs.push(wall);
    }
  }
  return arms.map(({ label, importMs, processMs, bootMs }) => ({
    label,
    importMs,
    processMs,
    bootMs,
  }));
};

// ---------------------------------------------------------------------------------------------
// 3. Per request

export interface RequestStats {
  count: number;
  handler: { wallMs: number[]; cpuMs: number[] };
  direct: { wallMs: number[]; cpuMs: number[] };
}

const accounts = (prefix: string, count: number): string[] =>
  Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(5, '0')}`);

const workerEnv = (s: StandIns, extra: Record<string, string>): Record<string, string> =>
  lambdaEnv({ ...s.env, NODE_OPTIONS: '--enable-source-maps', ...extra });

const perRequest = async (s: StandIns): Promise<RequestStats> => {
  const prefix = `${SECRET_PREFIX_ROOT}api/`;
  const table = 'bench-api';
  await s.dynamo.createOutcomeTable(table);
  const total = SETTINGS.requestWarmup + SETTINGS.requests;
  const handlerAccounts = accounts('h', total);
  const directAccounts = accounts('d', total);
  const tokens = s.seed(prefix, [...handlerAccounts, ...directAccounts]);
  const result = await runWorker(
    'requests',
    {
      kind: 'requests',
      bundle: BUNDLE,
      handlerAccounts,
      directAccounts,
      warmup: SETTINGS.requestWarmup,
    },
    workerEnv(s, { OUTCOME_TABLE_NAME: table, SECRET_PREFIX: prefix }),
  );
  if (result.kind !== 'requests') throw new Error('unexpected worker answer');
  await expectRecorded(s, table, tokens, 2 * total, 'per-request');
  return {
    count: result.handler.length,
    handler: {
      wallMs: result.handler.map((x) => x.wallMs),
      cpuMs: result.handler.map((x) => x.cpuMs),
    },
    direct: {
      wallMs: result.direct.map((x) => x.wallMs),
      cpuMs: result.direct.map((x) => x.cpuMs),
    },
  };
};

/** Fails loudly unless every token is dead upstream and every revocation has its record. */
const expectRecorded = async (
  s: StandIns,
  table: string,
  tokens: string[],
  expected: number,
  what: string,
): Promise<void> => {
  const live = tokens.filter((token) => s.meeting.isLive(token)).length;
  const recorded = await s.countRecords(table, 'REVOKED');
  if (live !== 0 || recorded !== expected) {
    throw new Error(
      `${what}: expected ${expected} REVOKED records and no live token, found ${recorded} records and ${live} live tokens`,
    );
  }
};

// ---------------------------------------------------------------------------------------------
// 4. Sweeps

export interface SweepRun {
  impl: 'handler' | 'direct';
  accounts: number;
  latencyMs: number;
  concurrency: number;
  /** The function memory whose V8 limits the child ran with. */
  memoryMb: number;
  wallMs: number;
  cpuMs: number;
  maxInFlight: number;
  connectionsOpened: number;
  memory: SweepMemory;
  outcomes: Record<string, number>;
  /** How late the simulator's answers were against `latencyMs`, measured on its side. */
  upstreamLate: Lateness;
  /** With a throttling upstream: its K, the 429s it answered, the invocation's lowest limit. */
  throttle?: { k: number; throttled: number; lowestConcurrency?: number };
  /** Fanned out to the work queue: messages sent, and the SQS stand-in's latency. */
  fanout?: { queued: number; sqsLatencyMs: number; sendCalls: number };
}

/** A sweep that did not end with every account revoked: what it reported instead. */
export interface FailedSweep {
  concurrency: number;
  accounts: number;
  failure: string;
}

let sweepNumber = 0;

interface SweepOptions {
  memoryMb?: number;
  /** The upstream throttles above this many in flight; the outcomes are reported, not required. */
  throttleAbove?: number;
  /** Fan out to the SQS stand-in (at this latency per call) instead of revoking inline. */
  fanoutLatencyMs?: number;
}

const sweep = async (
  s: StandIns,
  impl: 'handler' | 'direct',
  count: number,
  latencyMs: number,
  concurrency: number,
  { memoryMb = DEPLOYED_MEMORY_MB, throttleAbove, fanoutLatencyMs }: SweepOptions = {},
): Promise<SweepRun> => {
  sweepNumber += 1;
  const name = `sweep-${sweepNumber}-${impl}-${count}`;
  const prefix = `${SECRET_PREFIX_ROOT}sweep-${sweepNumber}/`;
  const table = `bench-sweep-${sweepNumber}`;
  await s.dynamo.createOutcomeTable(table);
  s.meeting.reset();
  s.meeting.latencyMs = latencyMs;
  s.meeting.throttleAbove = throttleAbove;
  s.lateness.reset(latencyMs);
  s.sqs.reset();
  s.sqs.latencyMs = fanoutLatencyMs ?? 0;
  const tokens = s.seed(prefix, accounts('acct', count));
  const fanout = fanoutLatencyMs !== undefined;
  const result = await runWorker(
    name,
    { kind: 'sweep', bundle: BUNDLE, impl, concurrency },
    workerEnv(s, {
      OUTCOME_TABLE_NAME: table,
      SECRET_PREFIX: prefix,
      SWEEP_CONCURRENCY: String(concurrency),
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryMb),
      ...(fanout
        ? { AWS_ENDPOINT_URL_SQS: s.sqs.endpoint, WORK_QUEUE_URL: s.sqs.queueUrl('bench-work') }
        : {}),
    }),
  );
  if (result.kind !== 'sweep') throw new Error('unexpected worker answer');
  const { processed, outcomes } = result.summary;
  if (fanout) {
    if (processed !== count || s.sqs.messages.length !== count) {
      throw new Error(
        `fan-out of ${count}: summary ${JSON.stringify(result.summary)}, ${s.sqs.messages.length} messages queued`,
      );
    }
  } else if (throttleAbove === undefined) {
    if (processed !== count || outcomes['REVOKED'] !== count) {
      throw new Error(
        `${impl} sweep of ${count}: summary ${JSON.stringify(result.summary)}, expected all REVOKED`,
      );
    }
    await expectRecorded(s, table, tokens, count, `${impl} sweep of ${count}`);
  }
  const run: SweepRun = {
    impl,
    accounts: count,
    latencyMs,
    concurrency,
    memoryMb,
    wallMs: result.wallMs,
    cpuMs: result.cpuMs,
    maxInFlight: s.meeting.maxInFlight,
    connectionsOpened: s.meeting.connectionsOpened,
    memory: result.memory,
    outcomes,
    upstreamLate: s.lateness.summary(),
  };
  if (throttleAbove !== undefined) {
    // The invocation logs how low its concurrency went.
    const line = [`${name}.log`, `${name}.stderr.log`]
      .flatMap((file) => readFileSync(resolve(OUT, file), 'utf8').split('\n'))
      .find((l) => l.includes('its concurrency adapted'));
    const lowest = line
      ? (JSON.parse(line) as { lowestConcurrency?: number }).lowestConcurrency
      : undefined;
    run.throttle = {
      k: throttleAbove,
      throttled: s.meeting.throttled,
      ...(lowest !== undefined ? { lowestConcurrency: lowest } : {}),
    };
  }
  if (fanout) {
    run.fanout = {
      queued: s.sqs.messages.length,
      sqsLatencyMs: fanoutLatencyMs,
      sendCalls: s.sqs.calls.filter((c) => c.operation === 'SendMessageBatch').length,
    };
  }
  s.meeting.reset();
  s.sqs.reset();
  s.sqs.latencyMs = 0;
  // The secrets of this run are spent; dropping them keeps later listings as small as the first.
  for (const accountId of accounts('acct', count)) s.secrets.delete(`${prefix}${accountId}`);
  return run;
};

// ---------------------------------------------------------------------------------------------
// Cold first request: process start, import, secret read, upstream call, record, answer

export interface ColdPostStats {
  /** Spawn to answer, as the parent sees it, per round. */
  helloMs: number[];
  postMs: number[];
  /** bench/direct.ts as a handler, bundled like the deployed one: the same calls, nothing else. */
  floorMs: number[];
}

const HELLO = resolve(OUT, 'hello.mjs');
const FLOOR = resolve(OUT, 'floor/direct.mjs');

const coldPost = async (s: StandIns): Promise<ColdPostStats> => {
  writeFileSync(
    HELLO,
    "export const handler = async () => ({ statusCode: 200, headers: { 'Content-Type': 'application/json' }, body: '{\"hello\":\"world\"}' });\n",
  );
  const prefix = `${SECRET_PREFIX_ROOT}cold/`;
  const table = 'bench-cold';
  await s.dynamo.createOutcomeTable(table);
  s.meeting.reset();
  const stats: ColdPostStats = { helloMs: [], postMs: [], floorMs: [] };
  const modules = { hello: HELLO, post: BUNDLE, floor: FLOOR };
  const times = { hello: stats.helloMs, post: stats.postMs, floor: stats.floorMs };
  const order = ['hello', 'post', 'floor'] as const;
  const script = resolve(OUT, 'coldPost.mjs');
  for (let round = 0; round < SETTINGS.coldPostRounds; round += 1) {
    // Each arm goes first, second and third in turn.
    const arms = order.map((_, i) => order[(i + round) % order.length] as (typeof order)[number]);
    for (const arm of arms) {
      const accountId = `cold-${arm}-${round}`;
      if (arm !== 'hello') s.seed(prefix, [accountId]);
      const module = pathToFileURL(modules[arm]).href;
      const started = performance.now();
      const profile = CPU_PROF
        ? [
            '--cpu-prof',
            `--cpu-prof-dir=${resolve(OUT, 'profiles')}`,
            `--cpu-prof-name=cold-${arm}-${round}.cpuprofile`,
          ]
        : [];
      const nodeArgs = [...lambdaNodeArgs(DEPLOYED_MEMORY_MB), ...profile, script];
      const child = spawn(process.execPath, nodeArgs, {
        cwd: root,
        env: {
          ...workerEnv(s, { OUTCOME_TABLE_NAME: table, SECRET_PREFIX: prefix }),
          BENCH_COLD: JSON.stringify({ module, accountId }),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      const answered = new Promise<number>((done) => {
        child.stdout?.on('data', (chunk: Buffer) => {
          out += chunk.toString('utf8');
          if (out.includes('BENCH_ANSWER ')) done(performance.now());
        });
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8');
      });
      const code = await waitForExit(child);
      const line = out.split('\n').find((l) => l.startsWith('BENCH_ANSWER '));
      const { statusCode } = JSON.parse(line?.slice('BENCH_ANSWER '.length) ?? '{}') as {
        statusCode?: number;
      };
      if (code !== 0 || statusCode !== 200) {
        throw new Error(`cold ${arm} failed (exit ${code}):\n${out.slice(-3000)}`);
      }
      times[arm].push((await answered) - started);
    }
  }
  return stats;
};

// ---------------------------------------------------------------------------------------------
// 5. The seed recipe: one curl process per token

export interface CurlStats {
  available: boolean;
  version?: string;
  tokens: number;
  latencyMs: number;
  totalMs: number;
}

const curlBaseline = async (s: StandIns): Promise<CurlStats> => {
  const which = spawnSync('sh', ['-c', 'command -v curl'], { encoding: 'utf8' });
  const curl = which.status === 0 ? which.stdout.trim() : '';
  const base = { tokens: SETTINGS.curlTokens, latencyMs: SETTINGS.sweepLatencyMs };
  if (!curl) return { available: false, totalMs: Number.NaN, ...base };
  const version = /^curl \S+/.exec(
    spawnSync(curl, ['--version'], { encoding: 'utf8' }).stdout,
  )?.[0];
  s.meeting.reset();
  s.meeting.latencyMs = SETTINGS.sweepLatencyMs;
  const tokens = Array.from({ length: SETTINGS.curlTokens }, () => {
    const token = `cnr1${randomUUID().replaceAll('-', '')}`;
    s.meeting.addToken(token);
    return token;
  });
  const url = `${s.meeting.baseUrl}/v1/usg/acs/token`;
  const started = performance.now();
  for (const token of tokens) {
    const child = spawn(
      curl,
      [
        '-sS',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        '-X',
        'DELETE',
        '-H',
        `X-Access-Token: ${token}`,
        '-H',
        `X-Request-ID: ${randomUUID()}`,
        '-H',
        'Accept-Language: en-US',
        url,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    const code = await waitForExit(child);
    if (code !== 0 || out.trim() !== '200') {
      throw new Error(`curl DELETE answered ${out.trim() || '(nothing)'} (exit ${code})`);
    }
  }
  const totalMs = performance.now() - started;
  const live = tokens.filter((token) => s.meeting.isLive(token)).length;
  if (live !== 0) throw new Error(`curl baseline: ${live} tokens still live`);
  s.meeting.reset();
  return { available: true, ...(version ? { version } : {}), totalMs, ...base };
};

// ---------------------------------------------------------------------------------------------
// Main

export interface Machine {
  cpu: string;
  cores: number;
  memoryBytes: number;
  node: string;
  os: string;
  date: string;
}

export interface Results {
  machine: Machine;
  settings: typeof SETTINGS;
  bundle: BundleStats;
  cold?: ColdArm[];
  coldPost?: ColdPostStats;
  requests?: RequestStats;
  sweeps: SweepRun[];
  /** Handler sweeps at the other concurrencies of SETTINGS.efficiencyConcurrencies. */
  efficiency?: (SweepRun | FailedSweep)[];
  throttle?: SweepRun;
  fanout?: SweepRun;
  curl?: CurlStats;
  big?: SweepRun;
  totalMs: number;
}

const main = async (): Promise<void> => {
  const started = performance.now();
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 24)
    throw new Error(
      `the benchmark needs Node >= 24 (run it with npm run bench), got ${process.version}`,
    );
  mkdirSync(OUT, { recursive: true });
  // The children run as plain Node (no TypeScript loader to skew time or memory): bundle them,
  // packages left external so that the SDK loads from node_modules as it would unbundled.
  await build({
    entryPoints: {
      worker: resolve(root, 'bench/worker.ts'),
      coldImport: resolve(root, 'bench/coldImport.ts'),
      coldPost: resolve(root, 'bench/coldPost.ts'),
      dynaliteProcess: resolve(root, 'bench/dynaliteProcess.ts'),
    },
    outdir: OUT,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node24',
    logLevel: 'warning',
  });
  await build({
    ...lambdaBundle,
    entryPoints: { direct: resolve(root, 'bench/directHandler.ts') },
    outdir: resolve(OUT, 'floor'),
    outExtension: { '.js': '.mjs' },
  });
  const cpuList = cpus();
  const machine: Machine = {
    cpu: cpuList[0]?.model.trim() ?? 'unknown',
    cores: cpuList.length,
    memoryBytes: totalmem(),
    node: process.version,
    os: `${platform()} ${release()}`,
    date: new Date().toISOString(),
  };
  const step = (what: string) =>
    console.error(`[bench ${((performance.now() - started) / 1000).toFixed(1)} s] ${what}`);

  step('bundle');
  const results: Results = {
    machine,
    settings: SETTINGS,
    bundle: bundleStats(),
    sweeps: [],
    totalMs: 0,
  };
  if (selected.has('cold')) {
    step(`cold import, ${SETTINGS.coldRounds} rounds`);
    results.cold = await coldImport(results.bundle.sdkPackages);
  }
  const s = await startStandIns(resolve(OUT, 'dynaliteProcess.mjs'));
  try {
    if (selected.has('coldpost')) {
      step(`cold first POST and hello world, ${SETTINGS.coldPostRounds} rounds`);
      results.coldPost = await coldPost(s);
    }
    if (selected.has('requests')) {
      step(`per request, ${SETTINGS.requests} each after ${SETTINGS.requestWarmup} warm-up`);
      results.requests = await perRequest(s);
    }
    for (const impl of selected.has('sweep') ? SETTINGS.sweepOrder : []) {
      step(`sweep of ${SETTINGS.sweepAccounts}, ${impl}`);
      results.sweeps.push(
        await sweep(
          s,
          impl,
          SETTINGS.sweepAccounts,
          SETTINGS.sweepLatencyMs,
          SETTINGS.sweepConcurrency,
        ),
      );
    }
    if (selected.has('efficiency')) {
      results.efficiency = [];
      for (const concurrency of SETTINGS.efficiencyConcurrencies) {
        step(`sweep of ${SETTINGS.sweepAccounts}, handler, concurrency ${concurrency}`);
        try {
          results.efficiency.push(
            await sweep(s, 'handler', SETTINGS.sweepAccounts, SETTINGS.sweepLatencyMs, concurrency),
          );
        } catch (error) {
          // Reported, not hidden: the table shows what the sweep answered.
          const message = error instanceof Error ? error.message : String(error);
          const reason = /\d+ account\(s\) not revoked \([^)]*\)/.exec(message)?.[0];
          const cause = /"error":"([A-Za-z]+)"/.exec(message)?.[1];
          results.efficiency.push({
            concurrency,
            accounts: SETTINGS.sweepAccounts,
            failure: `${reason ?? message.split('\n')[0]}${cause ? `; table errors: ${cause}` : ''}`,
          });
        }
      }
    }
    if (selected.has('throttle')) {
      const t = SETTINGS.throttle;
      step(`sweep of ${t.accounts} against an upstream throttling above ${t.k} in flight`);
      results.throttle = await sweep(s, 'handler', t.accounts, t.latencyMs, t.concurrency, {
        throttleAbove: t.k,
      });
    }
    if (selected.has('fanout')) {
      const f = SETTINGS.fanout;
      step(`fan-out of ${f.accounts} to the work queue`);
      results.fanout = await sweep(s, 'handler', f.accounts, 0, 8, {
        memoryMb: f.memoryMb,
        fanoutLatencyMs: f.sqsLatencyMs,
      });
    }
    if (selected.has('curl')) {
      step(`curl baseline, ${SETTINGS.curlTokens} tokens`);
      results.curl = await curlBaseline(s);
    }
    if (selected.has('big')) {
      step(`sweep of ${SETTINGS.bigAccounts}, handler, memory`);
      // As a 256 MB function: the question is whether the sweep fits there.
      results.big = await sweep(s, 'handler', SETTINGS.bigAccounts, 0, SETTINGS.bigConcurrency, {
        memoryMb: BIG_MEMORY_MB,
      });
    }
  } finally {
    await s.stop();
  }
  results.totalMs = performance.now() - started;
  const report = renderReport(results);
  const target = PARTIAL
    ? resolve(OUT, 'BENCHMARKS.partial.md')
    : WRITE
      ? resolve(root, 'BENCHMARKS.md')
      : resolve(OUT, 'BENCHMARKS.md');
  writeFileSync(target, report);
  writeFileSync(resolve(OUT, 'results.json'), JSON.stringify(results, null, 2));
  console.log(report);
  step(`done in ${(results.totalMs / 1000).toFixed(1)} s; report written to ${target}`);
};

await main();
