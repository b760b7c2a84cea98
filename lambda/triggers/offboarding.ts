// Offboarding (docs/INTERFACE.md, "Offboarding"): revoke every account an "Account Offboarded" event lists, once per
// event, and fail after recording when any revocation FAILED so that Lambda's async retry and
// the dead-letter queue take over.
import type { Context } from 'aws-lambda';
import pMap from 'p-map';
import * as v from 'valibot';
import {
  isMissingSecret,
  type SecretVersions,
  versionWithStage,
} from '../adapters/secrets/SecretVersions.js';
import { awsErrorName, InvalidEventError, RotationNotCancelledError } from '../commons/errors.js';
import { logger } from '../commons/powertools.js';
import { jsonObject, maxChars } from '../commons/schemas.js';
import type { Services, ServicesProvider } from '../composition/services.js';
import { isAccountId } from '../core/accountId.js';
import { deadlineOf } from '../core/deadline.js';
import { failIfIncomplete } from '../core/incomplete.js';
import { type RevocationSummary, summarise } from '../core/outcome.js';
import { type Job, revokeMany } from '../core/revokeMany.js';
import { parseEvent } from './parseEvent.js';

export const MAX_ACCOUNTS_PER_EVENT = 10_000;
/**
 * With a work queue, an event listing more accounts than one invocation can revoke is fanned out.
 * Below that, accounts are revoked inline and the summary holds their outcomes.
 */
export const FAN_OUT_ABOVE = 1000;
const IDEMPOTENCY_WINDOW_SECONDS = 24 * 3600;

// Powertools' EventBridgeSchema demands version, account, time, region and resources, which the
// contract does not: events put by other tools may lack them. Only what is used is required.
export const OffboardingEventSchema = jsonObject({
  id: v.pipe(v.string(), v.minLength(1), maxChars(256)),
  source: v.optional(v.string()),
  'detail-type': v.literal('Account Offboarded'),
  // Ids are checked one by one below, so that one malformed id does not shield the others.
  detail: v.pipe(
    jsonObject({
      accountId: v.optional(v.unknown()),
      accountIds: v.optional(
        v.pipe(v.array(v.unknown()), v.minLength(1), v.maxLength(MAX_ACCOUNTS_PER_EVENT)),
      ),
    }),
    v.check(
      (detail) => detail.accountId !== undefined || detail.accountIds !== undefined,
      'detail must hold accountId or accountIds',
    ),
  ),
});

export const parseOffboardingEvent = (event: unknown) => {
  const { id, detail } = parseEvent(OffboardingEventSchema, event, 'offboarding');
  const listed: [string, unknown][] = [
    ...(detail.accountId !== undefined
      ? [['detail.accountId', detail.accountId] as [string, unknown]]
      : []),
    ...(detail.accountIds ?? []).map((value, i): [string, unknown] => [
      `detail.accountIds[${i}]`,
      value,
    ]),
  ];
  const accountIds = new Set<string>();
  // Where the invalid ids are, never what they hold: a pasted secret must not reach a log.
  const invalid: string[] = [];
  for (const [where, value] of listed) {
    if (isAccountId(value)) accountIds.add(value);
    else invalid.push(where);
  }
  if (accountIds.size === 0) {
    throw new InvalidEventError(
      `Invalid offboarding event: no valid account id (${invalid.join(', ')})`,
    );
  }
  return { id, accountIds: [...accountIds], invalid };
};

/**
 * Offboarding is final: an account whose secret rotates has its rotation cancelled, so that no
 * new token is ever minted for it, and a token already waiting in AWSPENDING is revoked too. The
 * jobs carry whether the cancellation held; `cancelled` is false when the rotation could not be
 * cancelled or its state could not be read (the tokens are revoked all the same, then the
 * invocation or the work-queue message fails). Shared with the work queue's offboarding messages.
 */
export const finalJobsOf = async (
  accountId: string,
  correlationId: string,
  services: Services,
): Promise<{ jobs: Job[]; cancelled: boolean }> => {
  const { versions } = services;
  const job: Job = { accountId, trigger: 'offboarding', correlationId };
  const secretId = services.secrets.secretName(accountId);
  let secret: Awaited<ReturnType<SecretVersions['describe']>>;
  try {
    secret = await versions.describe(secretId);
  } catch (error) {
    if (isMissingSecret(error)) return { jobs: [job], cancelled: true };
    logger.error('could not read whether the secret rotates; revoking all the same', {
      accountId,
      error: awsErrorName(error),
    });
    return { jobs: [job], cancelled: false };
  }
  if (!secret.rotationEnabled) return { jobs: [job], cancelled: true };
  let rotationCancelled = true;
  try {
    await versions.cancelRotation(secretId);
    logger.info('rotation cancelled', { accountId });
  } catch (error) {
    rotationCancelled = false;
    logger.error('could not cancel rotation; revoking all the same', {
      accountId,
      error: awsErrorName(error),
    });
  }
  const jobs: Job[] = [{ ...job, rotationCancelled }];
  const pending = versionWithStage(secret.versions, 'AWSPENDING');
  if (pending && !secret.versions[pending]?.includes('AWSCURRENT')) {
    // A pending version created empty holds no token yet: nothing to revoke there.
    const value = await versions.valueOf(secretId, { versionId: pending }).catch(() => ({
      versionId: pending,
      secretString: 'unknown',
    }));
    if (value?.secretString !== undefined) {
      jobs.push({ ...job, rotationCancelled, secretVersionId: pending });
    }
  }
  return { jobs, cancelled: rotationCancelled };
};

const finalJobs = async (
  accountIds: readonly string[],
  correlationId: string,
  services: Services,
): Promise<{ jobs: Job[]; notCancelled: string[] }> => {
  const perAccount = await pMap(
    accountIds,
    (accountId) => finalJobsOf(accountId, correlationId, services),
    { concurrency: services.config.sweepConcurrency },
  );
  return {
    jobs: perAccount.flatMap(({ jobs }) => jobs),
    notCancelled: accountIds.filter((_, i) => perAccount[i]?.cancelled === false),
  };
};

const refuseInvalid = (invalid: readonly string[]): void => {
  if (invalid.length === 0) return;
  throw new InvalidEventError(
    `Invalid offboarding event: ${invalid.length} account id(s) do not match ` +
      `^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$ and were not revoked: ${invalid.slice(0, 20).join(', ')}`,
  );
};

export const handleOffboarding = async (
  event: unknown,
  context: Context,
  provide: ServicesProvider,
): Promise<RevocationSummary> => {
  const services = provide();
  const { config, queue, idempotency } = services;
  const { id, accountIds, invalid } = parseOffboardingEvent(event);
  logger.setCorrelationId(id);

  const work = async (): Promise<RevocationSummary> => {
    if (queue && accountIds.length > FAN_OUT_ABOVE) {
      const sent = await queue.sendAll([accountIds], 'offboarding', id);
      logger.info('offboarding fanned out', { eventId: id, queued: sent });
      refuseInvalid(invalid);
      return { processed: sent, outcomes: {}, queued: sent };
    }
    const { jobs, notCancelled } = await finalJobs(accountIds, id, services);
    const result = await revokeMany(jobs, services, {
      concurrency: config.sweepConcurrency,
      deadline: deadlineOf(context),
    });
    const summary = summarise(result.outcomes);
    logger.info('offboarding done', { eventId: id, ...summary });
    failIfIncomplete(result, summary);
    // Every token is revoked and recorded; a rotation still on must not stay unnoticed.
    if (notCancelled.length > 0) throw new RotationNotCancelledError(notCancelled);
    // The valid accounts are revoked and recorded; the event still fails, so it is seen.
    refuseInvalid(invalid);
    return summary;
  };

  return idempotency
    ? idempotency.run(
        {
          keyPrefix: 'offboarding',
          // The event id alone would let a re-used id (a fixture, a hand-made event) replay
          // another event's summary without revoking its accounts.
          key: { eventId: id, accounts: [...accountIds].sort().join(',') },
          expiresAfterSeconds: IDEMPOTENCY_WINDOW_SECONDS,
          context,
        },
        work,
      )
    : work();
};
