// The rule shared by offboarding and the sweep: after everything reachable is recorded, an
// invocation that left any account FAILED, unrecorded or not started fails, loudly.
import { RevocationsFailedError } from '../commons/errors.js';
import type { Summary } from './outcome.js';
import type { ManyResult } from './revokeMany.js';

export const failIfIncomplete = (result: ManyResult, summary: Summary): void => {
  // An account not started is recorded FAILED too; name it once.
  const accounts = [...new Set([...result.failed, ...result.unrecorded, ...result.notStarted])];
  if (accounts.length === 0) return;
  throw new RevocationsFailedError(accounts, {
    ...summary,
    failed: result.failed.length,
    unrecorded: result.unrecorded.length,
    notStarted: result.notStarted.length,
  });
};
