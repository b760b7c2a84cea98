// Keeps tokens out of every log line: credential-like keys are masked, and any string that
// contains a token loaded in this process is scrubbed, whatever key it travels under.

// Names are compared without case, dashes or underscores, so that `X-Access-Token`,
// `access-token`, `access_token` and `accessToken` are one name. Anything ending in `token`,
// `secret`, `password` or `apikey` is a credential; `tokenFingerprint` and `secretVersionId` are not.
const CREDENTIAL_NAME =
  /^(.*token|.*secret|.*password|passwd|.*apikey|secretstring|secretbinary|credentials?|privatekey|authorization|proxyauthorization|cookie|setcookie)$/;

export const MASK = '***';

/** Tokens currently loaded, so that they can be recognised in any text. */
const liveSecrets = new Set<string>();

/** Remembers a token for scrubbing while it is in use; returns the function that forgets it. */
export const rememberSecret = (secret: string): (() => void) => {
  // Too short to scrub without masking ordinary words; such a value is not a real token anyway.
  if (secret.length < 8) return () => {};
  liveSecrets.add(secret);
  return () => liveSecrets.delete(secret);
};

export const isCredentialKey = (key: string): boolean =>
  CREDENTIAL_NAME.test(key.toLowerCase().replace(/[-_]/g, ''));

/** Replaces every live token inside `text` with the mask. */
export const scrub = (text: string): string => {
  let result = text;
  for (const secret of liveSecrets) {
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
