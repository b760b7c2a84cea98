// Classifies one answer (or failure) of Huawei's logout endpoint into an outcome (docs/INTERFACE.md, "Outcomes").
import type { Outcome } from '../../core/outcome.js';

export type AttemptResult =
  | {
      kind: 'response';
      status: number;
      errorCode?: string;
      retryAfterMs?: number;
      /** A 2xx answer's body, only when the call asked for it (a mint's new token). */
      body?: string;
    }
  /** `connected: false`: the connection never opened, so the request surely never left. */
  | { kind: 'network'; code: string; connected?: boolean }
  | { kind: 'timeout'; connected?: boolean };

export interface Classification {
  outcome: Extract<Outcome, 'REVOKED' | 'ALREADY_INVALID' | 'REJECTED' | 'FAILED'>;
  /** Whether another attempt may change the answer. */
  retryable: boolean;
}

export const classify = (result: AttemptResult): Classification => {
  if (result.kind !== 'response') return { outcome: 'FAILED', retryable: true };
  const { status } = result;
  if (status >= 200 && status < 300) return { outcome: 'REVOKED', retryable: false };
  // RFC 7009: a token that is already invalid is a revocation whose goal is met.
  if (status === 401) return { outcome: 'ALREADY_INVALID', retryable: false };
  if (status === 408 || status === 429) return { outcome: 'FAILED', retryable: true };
  if (status >= 400 && status < 500) return { outcome: 'REJECTED', retryable: false };
  if (status >= 500) return { outcome: 'FAILED', retryable: true };
  // 1xx and 3xx: the logout endpoint never answers so; following a redirect with the token in a
  // header would hand it to another host, so it is a failure, and repeating it would not help.
  return { outcome: 'FAILED', retryable: false };
};
