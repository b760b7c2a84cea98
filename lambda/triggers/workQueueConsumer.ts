// The work queue's consumer (docs/INTERFACE.md, "Work queue"): one revocation per SQS message, answering
// batchItemFailures with exactly the messages to try again.
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import * as v from 'valibot';
import { InvalidEventError, MessageFailedError } from '../commons/errors.js';
import { jsonObject, maxChars, validate } from '../commons/schemas.js';
import type { ServicesProvider } from '../composition/services.js';
import { AttemptGate } from '../core/AttemptGate.js';
import { AccountIdSchema } from '../core/accountId.js';
import { deadlineOf } from '../core/deadline.js';
import { newRequestId, revoke } from '../core/revoke.js';
import { warnIfThrottled } from '../core/revokeMany.js';
import { isUuid } from './http/requestId.js';
import { finalJobsOf } from './offboarding.js';

export const WorkMessageSchema = jsonObject({
  accountId: AccountIdSchema,
  trigger: v.picklist(['schedule', 'offboarding', 'rotation']),
  requestId: v.optional(v.string()),
  correlationId: v.optional(v.pipe(v.string(), maxChars(256))),
  // Secrets Manager's version ids are 32 to 64 characters; rotation names the replaced one.
  secretVersionId: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9-]{32,64}$/))),
});

const processor = new BatchProcessor(EventType.SQS);

const parseMessage = (body: string) => {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new InvalidEventError('work message body is not JSON');
  }
  const result = validate(WorkMessageSchema, json);
  if (!result.success) {
    throw new InvalidEventError(`invalid work message: ${result.problems[0]?.message ?? ''}`);
  }
  return result.data;
};

export const handleWorkQueue = async (
  event: SQSEvent,
  context: Context,
  provide: ServicesProvider,
): Promise<SQSBatchResponse> => {
  const services = provide();
  const deadline = deadlineOf(context);
  // The batch's messages share one adaptive gate, as a sweep's accounts do: at most
  // SWEEP_CONCURRENCY upstream attempts at once, fewer while Huawei answers 429.
  const gate = new AttemptGate(services.config.sweepConcurrency);

  // A message fails (and comes back, then goes to the dead-letter queue) when its revocation
  // ended FAILED, its outcome could not be recorded, or it is not a valid work message; an
  // offboarding message fails too when the account's rotation could not be cancelled.
  const revokeMessage = async (record: SQSRecord) => {
    const message = parseMessage(record.body);
    const correlationId = message.correlationId ?? record.messageId;
    // Offboarding is final however it arrives: fanned out, an account still has its rotation
    // cancelled and a pending token revoked, as an inline offboarding event does.
    const { jobs, cancelled } =
      message.trigger === 'offboarding' && !message.secretVersionId
        ? await finalJobsOf(message.accountId, correlationId, services)
        : {
            jobs: [
              {
                accountId: message.accountId,
                trigger: message.trigger,
                correlationId,
                ...(message.secretVersionId ? { secretVersionId: message.secretVersionId } : {}),
              },
            ],
            cancelled: true,
          };
    const requestId = isUuid(message.requestId) ? message.requestId : newRequestId();
    // Every revocation of the message ends (and is recorded) before the message is answered.
    const settled = await Promise.allSettled(
      jobs.map((job) => revoke({ ...job, requestId, deadline, gate }, services)),
    );
    const thrown = settled.find((result) => result.status === 'rejected');
    if (thrown) throw thrown.reason;
    const outcomes = settled.flatMap((result) =>
      result.status === 'fulfilled' ? [result.value] : [],
    );
    const failed = outcomes.find((item) => item.outcome === 'FAILED');
    if (failed) {
      throw new MessageFailedError(
        `revocation of ${message.accountId} FAILED (${failed.failure ?? 'unknown'})`,
      );
    }
    if (!cancelled) {
      throw new MessageFailedError(`rotation of ${message.accountId} could not be cancelled`);
    }
    return outcomes[0]?.outcome;
  };

  const answer = await processPartialResponse(event, revokeMessage, processor, {
    context,
    // The contract's answer lists the failed messages, even when that is all of them.
    throwOnFullBatchFailure: false,
  });
  warnIfThrottled(gate);
  return answer;
};
