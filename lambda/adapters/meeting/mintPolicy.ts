// Which failed App ID authentications ("mints") may be sent again. Unlike a logout, a mint is not
// safe to repeat: each one that reaches Huawei creates a token, and one user id holds at most 64
// (a 65th kills the oldest, perhaps one an integration is using). So a mint is retried only when
// it surely did not reach Huawei, or Huawei said it was not served:
// - the connection never opened (refused, DNS, unreachable, timed out while connecting);
// - 429: the API gateway throttled it before the service saw it;
// - 503 with Retry-After: the service said it is unavailable and when to come back.
// A timeout or reset after the request went out, a 500, a 502, a 503 without Retry-After: the
// token may exist already, so the mint ends FAILED and whoever started it decides (a rotation
// step fails and Secrets Manager retries it later, on purpose and rarely).
import type { AttemptResult } from './classify.js';

export const mintRetryable = (result: AttemptResult): boolean => {
  if (result.kind !== 'response') return result.connected === false;
  if (result.status === 429) return true;
  return result.status === 503 && result.retryAfterMs !== undefined;
};
