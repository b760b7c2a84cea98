import { describe, expect, it } from 'vitest';
import { clean, formatHistory, printableJson } from '../../cli/format.js';

const stored = {
  recordedAt: '2026-12-02T10:00:00.000Z',
  outcome: 'REVOKED',
  trigger: 'api',
  attempts: 1,
  requestId: '0b6a9c59-8d61-4a43-9b1e-1f3b8f8c2a11',
  actor: 'arn:aws:iam::123456789012:user/alice\u202e',
  reason: 'SEC-1 \u202egnissecorp\u202c \ud800 \u2028x\u0007',
};

describe('the CLI never prints a stored field raw', () => {
  it('cleans bidi overrides, lone surrogates, separators and controls out of the history table', () => {
    const table = formatHistory('acme\u2066', [stored]);
    for (const line of table.split('\n')) {
      expect(line).not.toMatch(/[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u);
    }
    expect(table).toContain('SEC-1  gnissecorp');
    expect(clean('a\ud800b')).toBe('a b');
  });

  it('escapes them in --json output, which stays the same JSON', () => {
    const text = JSON.stringify(stored);
    const printable = printableJson(text);
    expect(printable).not.toMatch(/[\u202e\u202c\u2028]/);
    expect(printable).not.toContain('\u0007');
    expect(printable).toContain('\\u202e');
    expect(JSON.parse(printable)).toEqual(JSON.parse(text));
  });
});
