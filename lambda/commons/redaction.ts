// Keeps tokens out of every log line: credential-like keys are masked, and any string that
// contains a token loaded in this process is scrubbed, whatever key it travels under.

// Names are compared without case, dashes or underscores, so that `X-Access-Token`,
// `access-token`, `access_token` and `accessToken` are one name. Anything ending in `token`,
// `secret`, `password` or `apikey` is a credential; `tokenFingerprint` and `secretVersionId` are not.
const CREDENTIAL_NAME =
  /^(.*token|.*secret|.*password|passwd|.*apikey|secretstring|secretbinary|credentials?|privatekey|authorization|proxyauthorization|cookie|setcookie)$/;

export const MASK = '***';

/**
 * Tokens currently loaded, each with the number of revocations using it: two accounts of one
 * sweep or event may share a token, and the first to finish must not unmask it for the other.
 */
const liveSecrets = new Map<string, number>();

/**
 * Remembers a token for scrubbing while it is in use; returns the function that forgets it (once:
 * calling it again does not release another revocation's hold).
 */
export const rememberSecret = (secret: string): (() => void) => {
  // Too short to scrub without masking ordinary words; such a value is not a real token anyway.
  if (secret.length < 8) return () => {};
  liveSecrets.set(secret, (liveSecrets.get(secret) ?? 0) + 1);
  let forgotten = false;
  return () => {
    if (forgotten) return;
    forgotten = true;
    const holds = (liveSecrets.get(secret) ?? 1) - 1;
    if (holds > 0) liveSecrets.set(secret, holds);
    else liveSecrets.delete(secret);
  };
};

export const isCredentialKey = (key: string): boolean =>
  CREDENTIAL_NAME.test(key.toLowerCase().replace(/[-_]/g, ''));

/** Replaces every live token inside `text` with the mask. */
export const scrub = (text: string): string => {
  let result = text;
  for (const secret of liveSecrets.keys()) {
    if (result.includes(secret)) result = result.split(secret).join(MASK);
  }
  return result;
};

/** A JSON replacer for the Logger: masks credential keys, scrubs strings. */
export const redactingReplacer = (key: string, value: unknown): unknown => {
  if (key && isCredentialKey(key) && value !== undefined && value !== null) return MASK;
  if (typeof value === 'string') return scrub(value);
  if (value instanceof Error) {
    return { name: value.name, message: scrub(value.message), stack: scrub(value.stack ?? '') };
  }
  return value;
};
