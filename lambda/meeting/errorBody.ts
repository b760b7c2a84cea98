// Reads the error code out of an upstream error body, which may be JSON, empty, HTML or cut short.
// Only a well-formed code is kept: the message may echo what was sent, so it is never stored.

const ERROR_CODE = /^[A-Z]+\.[0-9A-Za-z]+$/;

export const parseErrorCode = (body: string): string | undefined => {
  if (!body || body.length > 64 * 1024) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const code = (parsed as Record<string, unknown>)['error_code'];
  return typeof code === 'string' && code.length <= 64 && ERROR_CODE.test(code) ? code : undefined;
};
