// The retry policy of the logout call (docs/INTERFACE.md, "Retries"): exponential backoff with full jitter,
// Retry-After honoured, and never an attempt that could not finish before the deadline.

export const BACKOFF_CAP_MS = 2_000;
export const RETRY_AFTER_CAP_MS = 30_000;

/** Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): uniform in [0, cap]. */
export const backoffDelayMs = (
  failedAttempt: number,
  baseMs: number,
  random: () => number = Math.random,
): number => {
  const ceiling = Math.min(BACKOFF_CAP_MS, baseMs * 2 ** Math.max(0, failedAttempt - 1));
  return Math.floor(random() * ceiling);
};

/**
 * Parses a Retry-After header (delta-seconds or an HTTP date) into milliseconds, capped at 30 s.
 * Returns undefined when absent or unparseable, so that the backoff applies instead.
 */
export const parseRetryAfterMs = (
  header: string | undefined,
  now: number = Date.now(),
): number | undefined => {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Math.min(Number(value) * 1000, RETRY_AFTER_CAP_MS);
  if (!/[a-z]/i.test(value)) return undefined;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(0, at - now), RETRY_AFTER_CAP_MS);
};

/** The wait before the next attempt: the server's Retry-After when given, else the backoff. */
export const nextDelayMs = (
  failedAttempt: number,
  baseMs: number,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number => retryAfterMs ?? backoffDelayMs(failedAttempt, baseMs, random);

/**
 * Whether an attempt starting after `delayMs` can run its full timeout before the deadline.
 * An attempt that could not finish in time is not started (docs/INTERFACE.md, "Retries").
 */
export const canStartAttempt = (
  now: number,
  delayMs: number,
  timeoutMs: number,
  deadline: number | undefined,
): boolean => deadline === undefined || now + delayMs + timeoutMs <= deadline;
