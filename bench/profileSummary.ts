// `npx tsx bench/profileSummary.ts [dir]`: self time of the cold-start CPU profiles that
// `npm run bench -- --only=coldpost --cpu-prof` writes (dist/bench/profiles), summed by what the
// time is spent on, as a share of each arm's profiles. The input of the "Where a cold start goes"
// findings in bench/report.ts.
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** First match wins: the categories the findings table names. */
const CATEGORIES: [string, (frame: ProfileNode['callFrame']) => boolean][] = [
  ['GC', (f) => f.functionName === '(garbage collector)'],
  ['(program): V8 compiling and Node native start', (f) => f.functionName === '(program)'],
  ['idle (waiting for I/O)', (f) => f.functionName === '(idle)'],
  ['source maps', (f) => f.url.includes('internal/source_map')],
  ['compiling the bundle (ES modules)', (f) => f.functionName === 'compileSourceTextModule'],
  ["compiling Node's built-in modules", (f) => f.functionName === 'compileForInternalLoader'],
  ['loading modules (resolve, read, link)', (f) => /^node:internal\/modules\//.test(f.url)],
  ['Node start', (f) => /^node:internal\/(bootstrap|main|process)\//.test(f.url)],
  ["undici (Node's fetch)", (f) => f.url.includes('internal/deps/undici')],
  [
    'TLS, TCP, HTTP',
    (f) => /^node:(_?tls|net|_http|http|https|internal\/(tls|net|http))/.test(f.url),
  ],
  ['dist/chunks/*.mjs', (f) => f.url.includes('/dist/chunks/')],
  ['dist/handler.mjs', (f) => f.url.endsWith('/dist/handler.mjs')],
  ['other Node internals', (f) => f.url.startsWith('node:')],
  ['the bench child and the rest', () => true],
];

const dir = resolve(process.argv[2] ?? 'dist/bench/profiles');
const byArm = new Map<string, { total: number; byCategory: Map<string, number> }>();
for (const file of readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'))) {
  const arm = file.replace(/-\d+\.cpuprofile$/, '');
  const profile = JSON.parse(readFileSync(resolve(dir, file), 'utf8')) as Profile;
  const category = new Map<number, string>();
  for (const node of profile.nodes) {
    category.set(node.id, CATEGORIES.find(([, test]) => test(node.callFrame))![0]);
  }
  const totals = byArm.get(arm) ?? { total: 0, byCategory: new Map<string, number>() };
  profile.samples.forEach((id, i) => {
    const micros = profile.timeDeltas[i] ?? 0;
    const name = category.get(id)!;
    totals.total += micros;
    totals.byCategory.set(name, (totals.byCategory.get(name) ?? 0) + micros);
  });
  byArm.set(arm, totals);
}
for (const [arm, { total, byCategory }] of [...byArm].sort()) {
  console.log(`${arm}: ${(total / 1000).toFixed(0)} ms of samples`);
  for (const [name, micros] of [...byCategory].sort((a, b) => b[1] - a[1])) {
    console.log(`  ${((100 * micros) / total).toFixed(1).padStart(5)} %  ${name}`);
  }
}
