// Revokes many accounts through the one revocation path, at most `concurrency` at a time, and
// stops starting new ones when the invocation's time runs short.
import pMap from 'p-map';
import { logger } from './commons/powertools.js';
import { OutcomeRecordError } from './errors.js';
import type { Outcome } from './outcome.js';
import { newRequestId, type RevocationRequest, revoke } from './revoke.js';
import type { Services } from './services.js';

export type Job = Omit<RevocationRequest, 'requestId' | 'deadline'> & { requestId?: string };

export interface ManyResult {
  outcomes: Outcome[];
  /** Accounts whose revocation ended FAILED (and was recorded). */
  failed: string[];
  /** Accounts whose outcome could not be recorded. */
  unrecorded: string[];
  /** Accounts not started because the deadline drew near. */
  notStarted: string[];
}

/**
 * Whether it is too late to start a revocation: one full attempt must still fit, as the retry
 * policy demands (later attempts are cut by the deadline inside the call).
 */
export const tooLateToStart = (deadline: number | undefined, services: Services): boolean =>
  deadline !== undefined && Date.now() + services.config.timeoutMs > deadline;

export const revokeMany = async (
  jobs: Iterable<Job> | AsyncIterable<Job>,
  services: Services,
  { concurrency, deadline }: { concurrency: number; deadline: number | undefined },
): Promise<ManyResult> => {
  const result: ManyResult = { outcomes: [], failed: [], unrecorded: [], notStarted: [] };
  await pMap(
    jobs,
    async (job) => {
      if (tooLateToStart(deadline, services)) {
        result.notStarted.push(job.accountId);
        return;
      }
      try {
        const record = await revoke(
          { ...job, requestId: job.requestId ?? newRequestId(), deadline },
          services,
        );
        result.outcomes.push(record.outcome);
        if (record.outcome === 'FAILED') result.failed.push(job.accountId);
      } catch (error) {
        if (!(error instanceof OutcomeRecordError)) throw error;
        logger.error('outcome not recorded', { accountId: job.accountId, error: error.message });
        result.unrecorded.push(job.accountId);
      }
    },
    { concurrency, stopOnError: true },
  );
  return result;
};
