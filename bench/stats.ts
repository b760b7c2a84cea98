// Small statistics and formatting helpers for the benchmark: medians, percentiles, ratios.

/** The q-quantile (0..1) of the values, linearly interpolated; NaN for no values. */
export const quantile = (values: readonly number[], q: number): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  const lower = sorted[low]!;
  const upper = sorted[high]!;
  return lower + (upper - lower) * (position - low);
};

export const median = (values: readonly number[]): number => quantile(values, 0.5);

export const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

/** The arithmetic mean; NaN for no values. */
export const mean = (values: readonly number[]): number =>
  values.length === 0 ? Number.NaN : sum(values) / values.length;

/** A number with a fixed count of decimals, for tables. */
export const fixed = (value: number, decimals = 1): string =>
  Number.isFinite(value) ? value.toFixed(decimals) : 'n/a';

export const ms = (value: number, decimals = 1): string => `${fixed(value, decimals)} ms`;

export const kib = (bytes: number): string => `${fixed(bytes / 1024, 1)} KiB`;

export const mib = (bytes: number): string => `${fixed(bytes / (1024 * 1024), 1)} MiB`;

export const ratio = (value: number): string => `${fixed(value, 2)}×`;

/** A Markdown table; the first row is the header. */
export const table = (rows: readonly (readonly string[])[]): string => {
  const [header, ...body] = rows;
  if (!header) return '';
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...body.map(line)].join('\n');
};
