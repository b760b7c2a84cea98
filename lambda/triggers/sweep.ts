// The scheduled sweep (docs/INTERFACE.md, "Schedule"): every secret under the prefix is revoked, through the work
// queue when there is one, inline otherwise, reading tokens twenty at a time.
import { createHash } from 'node:crypto';
import type { Context } from 'aws-lambda';
import * as v from 'valibot';
import type { OutcomeStore, RevokedVersions } from '../adapters/OutcomeStore.js';
import type { SecretStore } from '../adapters/secrets/SecretStore.js';
import { inBatches } from '../commons/batches.js';
import { awsErrorName, InvalidEventError } from '../commons/errors.js';
import { logger } from '../commons/powertools.js';
import { jsonObject, maxChars, validate } from '../commons/schemas.js';
import type { ServicesProvider } from '../composition/services.js';
import { isAccountId } from '../core/accountId.js';
import { deadlineOf } from '../core/deadline.js';
import { failIfIncomplete } from '../core/incomplete.js';
import { type RevocationSummary, summarise } from '../core/outcome.js';
import type { SecretReading } from '../core/ports.js';
import type { Job } from '../core/revokeMany.js';
import { revokeMany, tooLateToStart } from '../core/revokeMany.js';

/** BatchGetSecretValue takes at most 20 secret ids. */
export const SECRET_BATCH = 20;
const IDEMPOTENCY_WINDOW_SECONDS = 12 * 3600;

const SchedulerInput = jsonObject({
  action: v.literal('sweep'),
  scheduledTime: v.optional(v.pipe(v.string(), maxChars(64))),
  executionId: v.optional(v.pipe(v.string(), maxChars(256))),
});
const ClassicScheduledEvent = jsonObject({
  id: v.optional(v.pipe(v.string(), maxChars(256))),
  time: v.optional(v.pipe(v.string(), maxChars(64))),
  source: v.literal('aws.events'),
  'detail-type': v.literal('Scheduled Event'),
});

/** What identifies one run of the schedule, for idempotency and correlation. */
export const sweepRunId = (event: unknown): string | undefined => {
  const input = validate(SchedulerInput, event);
  if (input.success) return input.data.executionId ?? input.data.scheduledTime;
  const classic = validate(ClassicScheduledEvent, event);
  if (classic.success) return classic.data.id ?? classic.data.time;
  throw new InvalidEventError('Invalid sweep event: expected {"action": "sweep", ...}.');
};

/**
 * Account ids under the prefix, a page at a time; names that are not valid ids are skipped, and
 * so are secrets with rotation enabled (their rotation bounds their tokens' lives), counted.
 */
async function* accountPages(
  secrets: SecretStore,
  rotating: { count: number },
): AsyncGenerator<string[]> {
  const onRotating = () => {
    rotating.count += 1;
  };
  for await (const page of secrets.listAccountIds({ onRotating })) {
    const valid = page.filter((accountId) => {
      if (isAccountId(accountId)) return true;
      logger.warn('secret name is not a valid account id; skipped', {
        secretName: secrets.secretName(accountId).slice(0, 300),
      });
      return false;
    });
    if (valid.length > 0) yield valid;
  }
}

/**
 * One BatchGetItem for the batch's markers instead of one GetItem per account. When it fails,
 * undefined: each revocation then looks its marker up itself (and reports a table outage).
 */
const revokedVersionsOf = async (
  outcomes: OutcomeStore,
  tokens: Map<string, SecretReading>,
): Promise<RevokedVersions | undefined> => {
  const versions: { accountId: string; secretVersionId: string }[] = [];
  for (const [accountId, secret] of tokens) {
    if (secret.kind === 'found' && secret.versionId) {
      versions.push({ accountId, secretVersionId: secret.versionId });
    }
  }
  if (versions.length === 0) return undefined;
  try {
    return await outcomes.revokedVersions(versions);
  } catch (error) {
    logger.warn('batch marker look-up failed; falling back to one look-up per account', {
      error: awsErrorName(error),
    });
    return undefined;
  }
};

/**
 * Revocation jobs with their tokens already read, twenty per BatchGetSecretValue, and their
 * markers looked up in one BatchGetItem per batch. `ahead` batches are read while the current one
 * is being revoked, so workers never wait on Secrets Manager or the table.
 */
async function* jobsOf(
  pages: Iterable<string[]> | AsyncIterable<string[]>,
  { secrets, outcomes }: { secrets: SecretStore; outcomes: OutcomeStore },
  correlationId: string | undefined,
  tooLate: () => boolean,
  ahead: number,
): AsyncGenerator<Job> {
  const batches = (async function* () {
    for await (const page of pages) yield* inBatches(page, SECRET_BATCH);
  })();
  const load = async (accountIds: string[]) => {
    // Past the deadline the accounts are only counted as not started: reading them is waste.
    const tokens: Map<string, SecretReading> = tooLate()
      ? new Map()
      : await secrets.loadMany(accountIds);
    return { accountIds, tokens, revoked: await revokedVersionsOf(outcomes, tokens) };
  };
  const loading: ReturnType<typeof load>[] = [];
  let listed = false;
  let first = true;
  const fill = async () => {
    while (!listed && loading.length < ahead) {
      const batch = await batches.next();
      if (batch.done) listed = true;
      else {
        const loaded = load(batch.value);
        // Awaited in order below; a failure must not surface as unhandled before then.
        loaded.catch(() => {});
        loading.push(loaded);
        // The first batch alone: it tells the store whether batch reads work here at all.
        if (first) await loaded.catch(() => {});
        first = false;
      }
    }
  };
  // Listing and reading ahead run beside the revocations; a listing failure ends the sweep.
  let listing: { failed: true; error: unknown } | undefined;
  let filling = Promise.resolve();
  const refill = () => {
    filling = filling.then(fill).catch((error: unknown) => {
      listing = { failed: true, error };
    });
  };
  refill();
  while (true) {
    if (loading.length === 0) await filling;
    if (listing) throw listing.error;
    const current = loading.shift();
    if (!current) return;
    refill();
    const { accountIds, tokens, revoked } = await current;
    for (const accountId of accountIds) {
      const secret = tokens.get(accountId);
      const secretVersionId = secret?.kind === 'found' ? secret.versionId : undefined;
      yield {
        accountId,
        trigger: 'schedule',
        ...(correlationId ? { correlationId } : {}),
        prepared: {
          ...(secret ? { secret } : {}),
          ...(revoked && secretVersionId
            ? { revokedBefore: revoked({ accountId, secretVersionId }) }
            : {}),
        },
      };
    }
  }
}

export const handleSweep = async (
  event: unknown,
  context: Context,
  provide: ServicesProvider,
): Promise<RevocationSummary> => {
  const services = provide();
  const { config } = services;
  const runId = sweepRunId(event);
  if (runId) logger.setCorrelationId(runId);
  const rotating = { count: 0 };
  const withRotating = (summary: RevocationSummary): RevocationSummary =>
    rotating.count > 0 ? { ...summary, rotating: rotating.count } : summary;

  const work = async (
    pages: Iterable<string[]> | AsyncIterable<string[]>,
  ): Promise<RevocationSummary> => {
    const { queue } = services;
    if (queue) {
      const queued = await queue.sendAll(pages, 'schedule', runId);
      logger.info('sweep fanned out', { runId, queued, rotating: rotating.count });
      return withRotating({ processed: queued, outcomes: {}, queued });
    }
    const deadline = deadlineOf(context);
    // Enough batches read ahead to keep every slot (and every claim taken ahead) fed.
    const ahead = Math.max(2, Math.ceil((2 * config.sweepConcurrency) / SECRET_BATCH));
    const jobs = jobsOf(pages, services, runId, () => tooLateToStart(deadline, services), ahead);
    const result = await revokeMany(jobs, services, {
      concurrency: config.sweepConcurrency,
      deadline,
    });
    const summary = summarise(result.outcomes);
    logger.info('sweep done', {
      runId,
      ...summary,
      notStarted: result.notStarted.length,
      rotating: rotating.count,
    });
    failIfIncomplete(result, summary);
    return withRotating(summary);
  };

  const { idempotency } = services;
  if (!idempotency || !runId) {
    return work(accountPages(services.secrets, rotating));
  }

  // A repeated run is the same run only over the same accounts: listing first (names only, a few
  // dozen bytes each) lets the key say so, and a re-used execution id over new secrets sweeps them.
  const accountIds: string[] = [];
  for await (const page of accountPages(services.secrets, rotating)) accountIds.push(...page);
  // Sorted: ListSecrets promises no order.
  const accounts = createHash('sha256')
    .update([...accountIds].sort().join('\n'))
    .digest('hex');
  return idempotency.run(
    {
      keyPrefix: 'sweep',
      key: { runId, accounts },
      expiresAfterSeconds: IDEMPOTENCY_WINDOW_SECONDS,
      context,
    },
    () => work(inBatches(accountIds, 100)),
  );
};
