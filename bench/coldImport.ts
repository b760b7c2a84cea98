// Child process of the cold-import measurement: times the dynamic import of the given modules.

const specifiers = JSON.parse(process.env['BENCH_IMPORTS'] ?? '[]') as string[];
// performance.now() counts from the start of the process: this is Node's own boot time.
const bootMs = performance.now();
for (const specifier of specifiers) await import(specifier);
const importMs = performance.now() - bootMs;
process.stdout.write(`\nBENCH_RESULT ${JSON.stringify({ bootMs, importMs })}\n`);
