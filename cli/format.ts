// Human-readable output of meeting-revoke: an outcome with its meaning, a history as a table.
// Everything printed comes from the API's answer, which never holds a token (docs/INTERFACE.md, "What never happens").

export const OUTCOME_EXIT: Record<string, number> = {
  REVOKED: 0,
  ALREADY_INVALID: 0,
  ALREADY_REVOKED: 0,
  NOT_FOUND: 3,
  REJECTED: 4,
  FAILED: 5,
};

const MEANING: Record<string, string> = {
  REVOKED: 'the token is logged out',
  ALREADY_INVALID: 'upstream already considered the token invalid: nothing left to revoke',
  ALREADY_REVOKED: 'this secret version was revoked before: no upstream call made',
  NOT_FOUND: 'no secret, or no token in it, for this account',
  REJECTED: 'Huawei Cloud Meeting refused the logout: the token may still be valid',
  FAILED: 'the logout did not go through: the token may still be valid, retry later',
};

/**
 * Characters that must not reach a terminal raw: controls (C0, DEL, C1), format characters (the
 * bidi overrides and isolates that reorder a line, zero-width ones), lone surrogates and
 * line/paragraph separators.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/gu;

/** Makes a stored field safe to print: every invisible character becomes a space. */
export const clean = (value: unknown): string => String(value).replace(INVISIBLE, ' ');

/** JSON text with every invisible character escaped (`\u202e`): the same JSON, safe to print. */
export const printableJson = (text: string): string =>
  text.replace(INVISIBLE, (char: string) =>
    // Tab, CR and LF between tokens are JSON white space (inside strings they arrive escaped).
    /[\t\n\r]/.test(char)
      ? char
      : [...Array(char.length).keys()]
          .map((i) => `\\u${char.charCodeAt(i).toString(16).padStart(4, '0')}`)
          .join(''),
  );

const upstreamOf = (record: Record<string, unknown>): string => {
  const status = record['upstreamStatus'];
  const code = record['upstreamErrorCode'];
  if (status === undefined) return '-';
  return code === undefined ? String(status) : `${status} ${clean(code)}`;
};

export const formatOutcome = (answer: Record<string, unknown>): string => {
  const outcome = clean(answer['outcome']);
  const rows: [string, unknown][] = [
    ['request id', answer['requestId']],
    ['attempts', answer['attempts']],
    ['upstream', answer['upstreamStatus'] === undefined ? undefined : upstreamOf(answer)],
    ['recorded at', answer['recordedAt']],
  ];
  return [
    `${outcome}  ${clean(answer['accountId'])}  (${MEANING[outcome] ?? 'see the README'})`,
    ...rows
      .filter(([, value]) => value !== undefined)
      .map(([label, value]) => `  ${label.padEnd(13)}${clean(value)}`),
  ].join('\n');
};

const shorten = (value: string, max: number): string =>
  value.length > max ? `${value.slice(0, max - 1)}…` : value;

/** The caller part of an ARN: `user/alice` or `assumed-role/Ops/alice`. */
const callerOf = (arn: unknown): string =>
  typeof arn === 'string' ? clean(arn.slice(arn.lastIndexOf(':') + 1)) : '-';

export const formatHistory = (accountId: string, items: Record<string, unknown>[]): string => {
  if (items.length === 0) return `No outcome records for ${clean(accountId)}.`;
  const header = [
    'RECORDED AT',
    'OUTCOME',
    'TRIGGER',
    // Which secret version's token: for a rotation, the version it replaced.
    'SECRET VERSION',
    'TRIES',
    'UPSTREAM',
    'REQUEST ID',
    'BY',
    'REASON',
  ];
  const rows = items.map((item) => [
    clean(item['recordedAt'] ?? '-'),
    clean(item['outcome'] ?? '-'),
    clean(item['trigger'] ?? '-'),
    clean(item['secretVersionId'] ?? '-'),
    clean(item['attempts'] ?? '-'),
    upstreamOf(item),
    clean(item['requestId'] ?? '-'),
    shorten(callerOf(item['actor']), 32),
    shorten(clean(item['reason'] ?? ''), 48),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  const plural = items.length === 1 ? 'record' : 'records';
  return [
    `${clean(accountId)}: ${items.length} ${plural}, newest first`,
    line(header),
    ...rows.map(line),
  ].join('\n');
};

/** The code and message of an error answer, whichever shape it has. */
const errorOf = (body: unknown): { code?: unknown; message?: unknown } | undefined => {
  if (typeof body !== 'object' || body === null) return undefined;
  const fields = body as { error?: { code?: unknown; message?: unknown }; message?: unknown };
  // The API's errors are {"error": {...}}; API Gateway's own (403 from IAM, 500) are {"message"}.
  return fields.error ?? { message: fields.message ?? (body as { Message?: unknown }).Message };
};

/** One line for an error answer: status, code and message, and the request id to quote. */
export const formatError = (
  status: number,
  body: unknown,
  requestId: string | undefined,
): string => {
  const error = errorOf(body);
  const code = error?.code !== undefined ? ` ${clean(error.code)}` : '';
  const message = error?.message !== undefined ? `: ${shorten(clean(error.message), 500)}` : '';
  const id = requestId ? ` (request id ${clean(requestId)})` : '';
  return `HTTP ${status}${code}${message}${id}`;
};
