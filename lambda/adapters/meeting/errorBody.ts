// Reads the error code out of an upstream error body, which may be JSON, empty, HTML or cut short.
// Only a well-formed code is kept: the message may echo what was sent, so it is never stored.

const ERROR_CODE = /^[A-Z]+\.[0-9A-Za-z]+$/;

/** The JSON object an upstream body holds, or undefined for anything else (never a throw). */
export const parseJsonObject = (body: string | undefined): Record<string, unknown> | undefined => {
  if (!body) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
    ? (parsed as Record<string, unknown>)
    : undefined;
};

export const parseErrorCode = (body: string): string | undefined => {
  if (!body || body.length > 64 * 1024) return undefined;
  const code = parseJsonObject(body)?.['error_code'];
  return typeof code === 'string' && code.length <= 64 && ERROR_CODE.test(code) ? code : undefined;
};

/** Characters in a row that a code may not share with the token. */
const SHARED_RUN = 8;

/**
 * Whether `code` carries the token, whole or in part. A well-formed code may still echo it (an
 * alphanumeric token fits the code's pattern), and a code is stored, answered and logged: any
 * 8 characters in a row shared with the token are too many, and so is a shorter token, whole.
 */
export const carriesToken = (code: string, token: string): boolean => {
  if (token !== '' && code.includes(token)) return true;
  for (let start = 0; start + SHARED_RUN <= code.length; start += 1) {
    if (token.includes(code.slice(start, start + SHARED_RUN))) return true;
  }
  return false;
};
