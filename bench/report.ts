// Renders the benchmark's results as Markdown: the machine, the targets, then each measurement.
import type { ColdArm, CurlStats, RequestStats, Results, SweepRun } from './run.js';
import { fixed, kib, median, mib, ms, quantile, ratio, sum, table } from './stats.js';

const MIB = 1024 * 1024;
const NOT_RUN = 'Not run (partial run: see `--only`).';

const verdict = (met: boolean | undefined, aim?: boolean): string => {
  if (met === undefined) return 'not measured';
  const base = met ? '**met**' : '**MISSED**';
  return aim === undefined ? base : `${base}, aim ${aim ? 'met' : 'missed'}`;
};

type SweepSummary = ReturnType<typeof summariseSweeps>;

const summariseSweeps = (runs: SweepRun[]) => {
  const wallMs = median(runs.map((r) => r.wallMs));
  const first = runs[0];
  const idealMs = first ? (first.accounts * first.latencyMs) / first.concurrency : Number.NaN;
  return {
    runs: runs.length,
    wallMs,
    perTokenMs: first ? wallMs / first.accounts : Number.NaN,
    efficiency: idealMs / wallMs,
    idealMs,
    maxInFlight: Math.max(...runs.map((r) => r.maxInFlight)),
    connections: Math.max(...runs.map((r) => r.connectionsOpened)),
    maxRssBytes: Math.max(...runs.map((r) => r.memory.maxRss)),
    cpuMs: median(runs.map((r) => r.cpuMs)),
  };
};

const MEMORY_HEADERS = [
  'RSS after import',
  'peak RSS',
  'peak heap used / total',
  'peak external',
  'after GC: RSS / heap used',
];

const memoryCells = ({ memory: m }: SweepRun): string[] => [
  mib(m.rssAfterImport),
  mib(m.maxRss),
  `${mib(m.peakHeapUsed)} / ${mib(m.peakHeapTotal)}`,
  mib(m.peakExternal),
  `${mib(m.afterGc.rss)} / ${mib(m.afterGc.heapUsed)}`,
];

const coldRatioOf = (cold: ColdArm[]) => {
  const deployed = cold[0]!;
  const sdk = cold[cold.length - 1]!;
  return {
    deployed: median(deployed.importMs),
    sdk: median(sdk.importMs),
    ratio: median(deployed.importMs) / median(sdk.importMs),
  };
};

const requestFigures = (requests: RequestStats) => {
  const handler = median(requests.handler.wallMs);
  const direct = median(requests.direct.wallMs);
  return { handler, direct, ratio: handler / direct };
};

const targetsTable = (r: Results, hs: SweepSummary, ds: SweepSummary): string => {
  const { bundle, cold, requests, curl, big } = r;
  const rows: string[][] = [['target', 'measured', 'verdict']];
  rows.push([
    'bundle ≤ 1 MiB minified (aim 500 KiB)',
    `${kib(bundle.rawBytes)} (gzip ${kib(bundle.gzipBytes)}; a cold start loads ${kib(bundle.coldBytes)})`,
    verdict(bundle.rawBytes <= MIB, bundle.rawBytes <= 500 * 1024),
  ]);
  if (cold) {
    const c = coldRatioOf(cold);
    rows.push([
      'cold import ≤ bare SDK clients',
      `${ms(c.deployed)} vs ${ms(c.sdk)} = ${ratio(c.ratio)}`,
      verdict(c.ratio <= 1),
    ]);
  } else rows.push(['cold import ≤ bare SDK clients', 'not run', verdict(undefined)]);
  if (requests) {
    const q = requestFigures(requests);
    rows.push([
      'per request ≤ 1.25 × direct',
      `${ms(q.handler, 2)} vs ${ms(q.direct, 2)} = ${ratio(q.ratio)}`,
      verdict(q.ratio <= 1.25),
    ]);
  } else rows.push(['per request ≤ 1.25 × direct', 'not run', verdict(undefined)]);
  if (hs.runs > 0 && ds.runs > 0) {
    const sweepRatio = hs.wallMs / ds.wallMs;
    rows.push([
      'sweep ≤ direct (aim 0.8)',
      `${ms(hs.wallMs, 0)} vs ${ms(ds.wallMs, 0)} = ${ratio(sweepRatio)}`,
      verdict(sweepRatio <= 1, sweepRatio <= 0.8),
    ]);
  } else rows.push(['sweep ≤ direct (aim 0.8)', 'not run', verdict(undefined)]);
  if (hs.runs > 0) {
    rows.push([
      'TCP connections ≤ 2 × calls in flight',
      `${hs.connections} connections, ${hs.maxInFlight} in flight`,
      verdict(hs.connections <= 2 * hs.maxInFlight),
    ]);
  } else rows.push(['TCP connections ≤ 2 × calls in flight', 'not run', verdict(undefined)]);
  if (curl?.available && hs.runs > 0) {
    const perToken = curl.totalMs / curl.tokens;
    rows.push([
      '≥ 5 × faster per token than the curl loop',
      `${ms(hs.perTokenMs, 2)} vs ${ms(perToken)} per token = ${ratio(perToken / hs.perTokenMs)}`,
      verdict(perToken / hs.perTokenMs >= 5),
    ]);
  } else {
    rows.push([
      '≥ 5 × faster per token than the curl loop',
      curl && !curl.available ? 'curl is not installed' : 'not run',
      verdict(undefined),
    ]);
  }
  const limit = r.settings.bigMemoryMb;
  rows.push([
    `sweep of ${big?.accounts ?? r.settings.bigAccounts} within ${limit} MB peak memory`,
    big ? `peak RSS ${mib(big.memory.maxRss)} (as a ${big.memoryMb} MB function)` : 'not run',
    verdict(big ? big.memory.maxRss < limit * MIB : undefined),
  ]);
  return table(rows);
};

const bundleSection = (r: Results): string => {
  const { bundle } = r;
  const ours = bundle.contributors.find((c) => c.name.startsWith('lambda/'));
  const shown = bundle.contributors.slice(0, 15);
  const rest = bundle.contributors.slice(15);
  const contributors = table([
    ['package', 'bytes in bundle', 'share'],
    ...shown.map((c) => [c.name, kib(c.bytes), `${fixed((100 * c.bytes) / bundle.rawBytes)} %`]),
    [`(${rest.length} more)`, kib(sum(rest.map((c) => c.bytes))), ''],
  ]);
  return `\`dist/handler.mjs\` and its chunks (all that is deployed): ${kib(bundle.rawBytes)} minified, ${kib(bundle.gzipBytes)} gzipped (level 9). A cold start loads ${kib(bundle.coldBytes)} of it (\`handler.mjs\` and the chunks it imports statically); the rest (Powertools Tracer with the X-Ray SDK, and SDK code for browsers and event streams) loads only when used. Our own code (\`lambda/\`) is ${ours ? kib(ours.bytes) : 'n/a'}.
Top contributors, from esbuild's metafile (\`dist/meta.json\`, bytes each package leaves in the output):

${contributors}`;
};

const coldSection = (r: Results): string => {
  if (!r.cold) return NOT_RUN;
  const rows = r.cold.map((arm) => [
    arm.label,
    ms(median(arm.importMs)),
    ms(quantile(arm.importMs, 0.9)),
    ms(median(arm.processMs)),
    ms(median(arm.bootMs)),
  ]);
  const c = coldRatioOf(r.cold);
  return `Median of ${r.settings.coldRounds} fresh \`node\` processes per row, interleaved (the order rotates each round), with the environment Lambda sets
(region, dummy credentials, \`AWS_EXECUTION_ENV\`, \`OUTCOME_TABLE_NAME\`, \`POWERTOOLS_TRACE_ENABLED=false\`, ...).
"import" is \`performance.now()\` around the dynamic \`import()\` inside the child; "process wall" is spawn to exit, seen by the parent; "node boot" is the child's \`performance.now()\` before the import.
The yardstick imports, one after the other, the \`@aws-sdk/client-*\` and \`lib-*\` packages the bundle carries (found in the metafile) from \`node_modules\`, with the deployed \`NODE_OPTIONS\`.

${table([['imported in a fresh `node`', 'import, median', 'import, p90', 'process wall, median', 'node boot, median'], ...rows])}

Cold import as deployed / bare SDK clients: **${ratio(c.ratio)}**.`;
};

const requestSection = (r: Results): string => {
  const { requests } = r;
  if (!requests) return NOT_RUN;
  const q = requestFigures(requests);
  const p90 = (values: number[]) => quantile(values, 0.9);
  const body = table([
    ['POST /revocations', 'wall, median', 'wall, p90', 'CPU of the function process, median'],
    [
      'handler (dist/handler.mjs: Middy + Powertools)',
      ms(q.handler, 2),
      ms(p90(requests.handler.wallMs), 2),
      ms(median(requests.handler.cpuMs), 2),
    ],
    [
      'direct (bench/direct.ts: no middleware)',
      ms(q.direct, 2),
      ms(p90(requests.direct.wallMs), 2),
      ms(median(requests.direct.cpuMs), 2),
    ],
    [
      'ratio handler / direct',
      ratio(q.ratio),
      ratio(p90(requests.handler.wallMs) / p90(requests.direct.wallMs)),
      ratio(median(requests.handler.cpuMs) / median(requests.direct.cpuMs)),
    ],
  ]);
  return `${requests.count} requests each after ${r.settings.requestWarmup} warm-up requests each, interleaved in ABBA order in one process, each on a fresh account and token, so each is a real \`REVOKED\`
(GetSecretValue, marker GetItem, DELETE upstream, record and marker PutItem). The stand-ins (dynalite, Secrets Manager, the simulator at 0 ms) run in the parent process,
so the CPU column is the function's own work. The handler gets an API Gateway v2 event (\`test/support/events.ts\`) and a fresh \`fakeContext\`; the direct implementation gets the same event.

${body}`;
};

const sweepSection = (r: Results, hs: SweepSummary, ds: SweepSummary): string => {
  if (r.sweeps.length === 0) return NOT_RUN;
  const row = (label: string, x: SweepSummary) =>
    x.runs === 0
      ? [label, '0', '', '', '', '', '', '', '']
      : [
          label,
          String(x.runs),
          ms(x.wallMs, 0),
          ms(x.perTokenMs, 2),
          `${fixed(100 * x.efficiency, 0)} %`,
          String(x.maxInFlight),
          String(x.connections),
          mib(x.maxRssBytes),
          ms(x.cpuMs, 0),
        ];
  const first = r.sweeps[0]!;
  const summary = table([
    [
      `sweep of ${first.accounts}`,
      'runs',
      'wall, median',
      'per token',
      'efficiency',
      'max in flight',
      'TCP connections',
      'peak RSS',
      'CPU, median',
    ],
    row('handler (schedule event, inline)', hs),
    row('direct (bench/direct.ts)', ds),
    [
      'ratio handler / direct',
      '',
      ratio(hs.wallMs / ds.wallMs),
      '',
      '',
      '',
      '',
      '',
      ratio(hs.cpuMs / ds.cpuMs),
    ],
  ]);
  const runs = table([
    ['run', 'impl', 'wall', 'CPU', 'in flight', 'connections', ...MEMORY_HEADERS],
    ...r.sweeps.map((s, i) => [
      String(i + 1),
      s.impl,
      ms(s.wallMs, 0),
      ms(s.cpuMs, 0),
      String(s.maxInFlight),
      String(s.connectionsOpened),
      ...memoryCells(s),
    ]),
  ]);
  return `Each run in a fresh child process, order ${r.settings.sweepOrder.join(', ')}; peak RSS is the child's \`process.resourceUsage().maxRSS\`. Ideal time N × latency / concurrency = ${ms(hs.runs > 0 ? hs.idealMs : ds.idealMs, 0)}; efficiency is ideal / wall.
The handler runs a schedule event inline (no \`WORK_QUEUE_URL\`) with 900 s of remaining time; the direct implementation lists, reads 20 secrets per BatchGetSecretValue (the next batch read while the queue runs low)
and runs ${first.concurrency} revocations at once with the same per-account calls. Every run is checked: every token dead upstream, one \`REVOKED\` record per account in the table.

${summary}

Each run:

${runs}`;
};

const curlSection = (curl: CurlStats | undefined, hs: SweepSummary): string => {
  if (!curl) return NOT_RUN;
  if (!curl.available) {
    return '`curl` is not installed on this machine (`command -v curl` found nothing): no baseline.';
  }
  const perToken = curl.totalMs / curl.tokens;
  const rows = [
    ['', 'tokens', 'total', 'per token'],
    [
      `\`${curl.version ?? 'curl'}\`, one process per token`,
      String(curl.tokens),
      ms(curl.totalMs, 0),
      ms(perToken),
    ],
  ];
  if (hs.runs > 0) {
    rows.push(['handler sweep (median above)', '', ms(hs.wallMs, 0), ms(hs.perTokenMs, 2)]);
    rows.push(['speed-up per token', '', '', ratio(perToken / hs.perTokenMs)]);
  }
  return `${curl.tokens} tokens, one \`curl -X DELETE -H 'X-Access-Token: …'\` process after the other, against the simulator at ${curl.latencyMs} ms latency.

${table(rows)}`;
};

const bigSection = (big: SweepRun | undefined, deployedMemoryMb: number): string => {
  if (!big) return NOT_RUN;
  return `The handler's inline sweep of ${big.accounts} accounts (${big.concurrency} at once, simulator at ${big.latencyMs} ms) in a fresh child process started as Lambda's Node.js bootstrap starts a ${big.memoryMb} MB function
(\`--max-semi-space-size\` and \`--max-old-space-size\` from the memory size, as the other children do with the deployed ${deployedMemoryMb} MB). Peak RSS is the high-water mark,
garbage included; heap and external peaks are sampled every 200 ms; "after GC" is what the process still holds once the sweep is done and a full GC has run.

${table([
  ['accounts', 'concurrency', 'wall', 'CPU', 'max in flight', 'TCP connections', ...MEMORY_HEADERS],
  [
    String(big.accounts),
    String(big.concurrency),
    ms(big.wallMs, 0),
    ms(big.cpuMs, 0),
    String(big.maxInFlight),
    String(big.connectionsOpened),
    ...memoryCells(big),
  ],
])}`;
};

export const renderReport = (r: Results): string => {
  const { machine, settings } = r;
  const hs = summariseSweeps(r.sweeps.filter((s) => s.impl === 'handler'));
  const ds = summariseSweeps(r.sweeps.filter((s) => s.impl === 'direct'));
  const partial = settings.quick
    ? ' with `--quick` (reduced counts: not for comparison)'
    : settings.sections.length < 5
      ? ` (sections: ${settings.sections.join(', ')})`
      : '';
  return `# Benchmarks

Generated by \`npm run bench\` (bench/run.ts) on ${machine.date}${partial}; the whole run took ${fixed(r.totalMs / 1000)} s. Do not edit by hand: run the benchmark again.

**Machine:** ${machine.cpu}, ${machine.cores} cores, ${fixed(machine.memoryBytes / 1024 ** 3)} GiB memory, Node ${machine.node}, ${machine.os}.
These machines are noisy: compare the ratios, measured side by side in one run, rather than absolute times across runs.

## Targets (issue 6)

${targetsTable(r, hs, ds)}

## 1. Bundle

${bundleSection(r)}

## 2. Cold import

${coldSection(r)}

## 3. Per request: \`POST /revocations\`

${requestSection(r)}

## 4. Sweep of ${settings.sweepAccounts} accounts, ${settings.sweepLatencyMs} ms upstream latency, concurrency ${settings.sweepConcurrency}

${sweepSection(r, hs, ds)}

## 5. The seed recipe: one \`curl -X DELETE\` per token

${curlSection(r.curl, hs)}

## 6. Memory of a large sweep (handler)

${bigSection(r.big, settings.deployedMemoryMb)}
`;
};
