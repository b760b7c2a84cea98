// What the code under test writes to stdout and stderr (Powertools' log lines), kept for
// assertions and out of the test output, from before each test until after it.
import { afterEach, beforeEach, vi } from 'vitest';

export const captureLogs = (): { lines: string[] } => {
  const captured = { lines: [] as string[] };
  const keep = (chunk: string | Uint8Array): boolean => {
    captured.lines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  beforeEach(() => {
    captured.lines = [];
    vi.spyOn(process.stdout, 'write').mockImplementation(keep);
    vi.spyOn(process.stderr, 'write').mockImplementation(keep);
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  return captured;
};
