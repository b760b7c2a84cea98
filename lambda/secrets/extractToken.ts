// Finds the token in a secret string: a JSON object's token field, or the whole string.

/** Characters an HTTP header value may carry (RFC 9110 field-value, visible ASCII and space/tab). */
const HEADER_SAFE = /^[\t\x20-\x7e]+$/;

/** Whether the token can travel in the X-Access-Token header at all. */
export const isSendable = (token: string): boolean => HEADER_SAFE.test(token);

/**
 * Returns the token held by `secretString`, or undefined when it holds none. A JSON object
 * yields its `field` (a non-empty string); any other string is the token itself. Surrounding
 * white space is dropped: `aws secretsmanager put-secret-value --secret-string file://token`
 * stores the file's final newline, and no token begins or ends with white space.
 */
export const extractToken = (
  secretString: string | undefined,
  field: string,
): string | undefined => {
  if (secretString === undefined || secretString.trim() === '') return undefined;
  let token: unknown = secretString;
  if (secretString.trimStart().startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(secretString);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
        token = (parsed as Record<string, unknown>)[field];
      }
    } catch {
      // Not JSON after all: the string is the token.
    }
  }
  if (typeof token !== 'string' || token.trim() === '') return undefined;
  return token.trim();
};
