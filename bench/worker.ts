// Child process of the benchmark: runs one measured workload against the parent's stand-ins.
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { httpEvent, scheduleEvent } from '../test/support/events.js';
import { fakeContext } from '../test/support/lambdaContext.js';
import { createDirect } from './direct.js';

export type Task =
  | {
      kind: 'requests';
      bundle: string;
      /** Account ids, one fresh account per request: warm-up first, then the measured ones. */
      handlerAccounts: string[];
      directAccounts: string[];
      warmup: number;
    }
  | { kind: 'sweep'; bundle: string; impl: 'handler' | 'direct'; concurrency: number };

export interface Sample {
  wallMs: number;
  cpuMs: number;
}

export type TaskResult =
  | { kind: 'requests'; handler: Sample[]; direct: Sample[] }
  | {
      kind: 'sweep';
      wallMs: number;
      cpuMs: number;
      summary: { processed: number; outcomes: Record<string, number> };
      memory: SweepMemory;
    };

/** Bytes. Peaks of the heap and of external memory are sampled every 200 ms. */
export interface SweepMemory {
  rssAfterImport: number;
  /** The resident set's high-water mark, garbage included. */
  maxRss: number;
  peakHeapUsed: number;
  peakHeapTotal: number;
  /** Buffers and other memory outside the V8 heap. */
  peakExternal: number;
  /** After the sweep and a full GC: what the process still holds. */
  afterGc: { rss: number; heapUsed: number; heapTotal: number; external: number };
}

type Handler = (event: unknown, context: Context) => Promise<unknown>;

const loadHandler = async (bundle: string): Promise<Handler> =>
  ((await import(pathToFileURL(bundle).href)) as { handler: Handler }).handler;

const cpuMs = (since: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};

const expectRevoked = (who: string, accountId: string, answer: unknown): void => {
  const result = answer as APIGatewayProxyStructuredResultV2;
  const body = JSON.parse(String(result.body ?? '{}')) as { outcome?: string };
  if (result.statusCode !== 200 || body.outcome !== 'REVOKED') {
    throw new Error(
      `${who} did not revoke ${accountId}: ${result.statusCode} ${String(result.body).slice(0, 300)}`,
    );
  }
};

const runRequests = async (task: Extract<Task, { kind: 'requests' }>): Promise<TaskResult> => {
  const handler = await loadHandler(task.bundle);
  const direct = createDirect();
  const post = (accountId: string) =>
    httpEvent({ method: 'POST', path: '/revocations', body: { accountId, reason: 'benchmark' } });
  const timed = async (call: () => Promise<unknown>): Promise<[Sample, unknown]> => {
    const cpu = process.cpuUsage();
    const started = performance.now();
    const answer = await call();
    return [{ wallMs: performance.now() - started, cpuMs: cpuMs(cpu) }, answer];
  };
  const one = {
    handler: async (accountId: string) => {
      const event = post(accountId);
      const context = fakeContext();
      const [sample, answer] = await timed(() => handler(event, context));
      expectRevoked('the handler', accountId, answer);
      return sample;
    },
    direct: async (accountId: string) => {
      const event = post(accountId);
      const [sample, answer] = await timed(() => direct.handle(event));
      expectRevoked('the direct implementation', accountId, answer);
      return sample;
    },
  };
  const result = { kind: 'requests' as const, handler: [] as Sample[], direct: [] as Sample[] };
  const count = Math.min(task.handlerAccounts.length, task.directAccounts.length);
  for (let i = 0; i < count; i += 1) {
    const h = task.handlerAccounts[i]!;
    const d = task.directAccounts[i]!;
    // ABBA order, so that neither side always runs right after the other.
    const [first, second] =
      i % 2 === 0
        ? [() => one.handler(h), () => one.direct(d)]
        : [() => one.direct(d), () => one.handler(h)];
    const a = await first();
    const b = await second();
    if (i < task.warmup) continue;
    const [handlerSample, directSample] = i % 2 === 0 ? [a, b] : [b, a];
    result.handler.push(handlerSample);
    result.direct.push(directSample);
  }
  direct.close();
  return result;
};

const runSweep = async (task: Extract<Task, { kind: 'sweep' }>): Promise<TaskResult> => {
  const handler = task.impl === 'handler' ? await loadHandler(task.bundle) : undefined;
  const direct = task.impl === 'direct' ? createDirect() : undefined;
  const rssAfterImport = process.memoryUsage().rss;
  const peaks = { heapUsed: 0, heapTotal: 0, external: 0 };
  const sample = () => {
    const now = process.memoryUsage();
    peaks.heapUsed = Math.max(peaks.heapUsed, now.heapUsed);
    peaks.heapTotal = Math.max(peaks.heapTotal, now.heapTotal);
    peaks.external = Math.max(peaks.external, now.external);
  };
  const sampler = setInterval(sample, 200);
  const cpu = process.cpuUsage();
  const started = performance.now();
  const summary = handler
    ? await handler(scheduleEvent(), fakeContext({ remainingMs: 900_000 }))
    : await direct!.sweep(task.concurrency);
  const wallMs = performance.now() - started;
  const used = cpuMs(cpu);
  clearInterval(sampler);
  sample();
  direct?.close();
  // resourceUsage() reports the high-water mark of the resident set in KiB.
  const maxRss = process.resourceUsage().maxRSS * 1024;
  (globalThis as { gc?: () => void }).gc?.();
  const after = process.memoryUsage();
  return {
    kind: 'sweep',
    wallMs,
    cpuMs: used,
    summary: summary as { processed: number; outcomes: Record<string, number> },
    memory: {
      rssAfterImport,
      maxRss,
      peakHeapUsed: peaks.heapUsed,
      peakHeapTotal: peaks.heapTotal,
      peakExternal: peaks.external,
      afterGc: {
        rss: after.rss,
        heapUsed: after.heapUsed,
        heapTotal: after.heapTotal,
        external: after.external,
      },
    },
  };
};

const task = JSON.parse(process.env['BENCH_TASK'] ?? 'null') as Task | null;
if (!task || !process.send) throw new Error('bench/worker runs as a child of bench/run.ts');
const result = task.kind === 'requests' ? await runRequests(task) : await runSweep(task);
process.send(result, () => process.exit(0));
