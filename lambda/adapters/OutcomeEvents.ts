// Announces every outcome on EventBridge (opt-in, OUTCOME_EVENT_BUS_NAME): ten events per
// PutEvents call, refused entries sent again, and what still fails reported, never thrown: the
// outcome record, already written, is what counts.
import type { EventBridgeClient, PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { resendRefused } from '../commons/batches.js';
import { awsErrorName, OutcomeEventsError } from '../commons/errors.js';
import { OUTCOME_EVENT_SOURCE } from '../commons/interface.js';
import { count, logger } from '../commons/powertools.js';
import type { Outcome, OutcomeRecord } from '../core/outcome.js';
import type { OutcomeAnnouncer } from '../core/ports.js';

export const EVENT_SOURCE = OUTCOME_EVENT_SOURCE;
export const COMPLETED = 'Token Revocation Completed';
export const FAILED = 'Token Revocation Failed';

const BATCH = 10;
const ATTEMPTS = 3;

const COMPLETED_OUTCOMES = new Set<Outcome>([
  'REVOKED',
  'ALREADY_INVALID',
  'ALREADY_REVOKED',
  'NOT_FOUND',
]);

/** The event of a record: never the token, only what a workflow needs to act on. */
export const eventOf = (record: OutcomeRecord, busName: string): PutEventsRequestEntry => {
  // A token that survived its revocation is a failure, whatever upstream answered.
  const completed = COMPLETED_OUTCOMES.has(record.outcome) && record.verified !== false;
  return {
    Source: EVENT_SOURCE,
    DetailType: completed ? COMPLETED : FAILED,
    EventBusName: busName,
    Time: new Date(record.recordedAt),
    Detail: JSON.stringify({
      accountId: record.accountId,
      outcome: record.outcome,
      trigger: record.trigger,
      requestId: record.requestId,
      recordedAt: record.recordedAt,
      ...(record.verified !== undefined ? { verified: record.verified } : {}),
      ...(record.correlationId !== undefined ? { correlationId: record.correlationId } : {}),
    }),
  };
};

export class OutcomeEvents implements OutcomeAnnouncer {
  private buffer: { entry: PutEventsRequestEntry; trigger: OutcomeRecord['trigger'] }[] = [];
  private readonly sending = new Set<Promise<void>>();

  constructor(
    /** Builds (once) the client on first use: the SDK is imported then, not at a cold start. */
    private readonly client: () => Promise<EventBridgeClient>,
    private readonly busName: string,
  ) {}

  /** Queues the record's event; a full batch goes out at once, the rest at the flush. */
  add(record: OutcomeRecord): void {
    this.buffer.push({ entry: eventOf(record, this.busName), trigger: record.trigger });
    if (this.buffer.length >= BATCH) this.sendBatch(this.buffer.splice(0, BATCH));
  }

  /** Sends what is queued and waits for every batch; returns how many events could not be sent. */
  async flush(): Promise<number> {
    while (this.buffer.length > 0) this.sendBatch(this.buffer.splice(0, BATCH));
    let failed = 0;
    while (this.sending.size > 0) {
      const results = await Promise.allSettled([...this.sending]);
      failed += results.filter((result) => result.status === 'rejected').length;
    }
    return failed;
  }

  private sendBatch(batch: { entry: PutEventsRequestEntry; trigger: OutcomeRecord['trigger'] }[]) {
    const sending = this.send(batch).finally(() => this.sending.delete(sending));
    this.sending.add(sending);
    // flush() collects the outcome; this keeps an early batch from being an unhandled rejection.
    sending.catch(() => undefined);
  }

  private async send(batch: { entry: PutEventsRequestEntry; trigger: OutcomeRecord['trigger'] }[]) {
    let lastError = 'FailedEntry';
    const pending = await resendRefused(
      batch,
      async (entries) => {
        // Inside the attempt, so that a client that cannot be loaded fails it like any other error.
        const [client, { PutEventsCommand }] = await Promise.all([
          this.client(),
          import('./sdk/eventBridge.js'),
        ]);
        const answer = await client.send(
          new PutEventsCommand({ Entries: entries.map(({ entry }) => entry) }),
        );
        // Entries of the answer are in the order of the request; refused ones carry an ErrorCode.
        const refused = entries.filter((_, index) => answer.Entries?.[index]?.ErrorCode);
        if (refused.length > 0)
          lastError = answer.Entries?.find((e) => e.ErrorCode)?.ErrorCode ?? lastError;
        return refused;
      },
      {
        attempts: ATTEMPTS,
        onError: (error) => {
          lastError = awsErrorName(error);
        },
      },
    );
    if (pending.length === 0) return;
    for (const { trigger } of pending) count(trigger, 'OutcomeEventsFailed');
    logger.error('outcome events could not be published', {
      failed: pending.length,
      error: lastError,
      requestIds: pending.map(
        ({ entry }) => (JSON.parse(entry.Detail ?? '{}') as { requestId?: string }).requestId,
      ),
    });
    throw new OutcomeEventsError(`${pending.length} outcome event(s) not published: ${lastError}`);
  }
}
