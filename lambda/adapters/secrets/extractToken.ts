// Finds the token in a secret string: a JSON object's token field, or the whole string.

/**
 * What a secret string holds: a token, no token (`NOT_FOUND`), or something that looks like JSON
 * but is not an object holding a string token (`malformed`), which must never be sent upstream:
 * a JSON document that fails to parse would otherwise travel whole, app secret and all, and its
 * 401 would be taken for a dead token.
 */
export type TokenReading = { token: string } | { none: true } | { malformed: true };

/** A secret string is JSON when its first non-blank character opens an object, array or string. */
const looksLikeJson = (value: string): boolean => /^\s*[{["]/.test(value);

/**
 * Reads the token held by `secretString`. A JSON object yields its `field` when that is a
 * non-empty string, and no token without the field; JSON that does not parse, or parses to
 * anything else, is malformed; any other string is the token itself. Surrounding white space is
 * dropped: `aws secretsmanager put-secret-value --secret-string file://token` stores the file's
 * final newline, and no token begins or ends with white space.
 */
export const readToken = (secretString: string | undefined, field: string): TokenReading => {
  if (secretString === undefined || secretString.trim() === '') return { none: true };
  if (!looksLikeJson(secretString)) return { token: secretString.trim() };
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    return { malformed: true };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { malformed: true };
  }
  if (!Object.hasOwn(parsed, field)) return { none: true };
  const token = (parsed as Record<string, unknown>)[field];
  if (typeof token !== 'string') return { malformed: true };
  return token.trim() === '' ? { none: true } : { token: token.trim() };
};
