// Fans revocations out to the SQS work queue, ten messages a call, so that Lambda and SQS spread
// a large sweep or offboarding over many invocations.
import type { SQSClient } from '@aws-sdk/client-sqs';
import pMap from 'p-map';
import { inBatches, resendRefused } from '../commons/batches.js';
import { awsErrorName, QueueingError } from '../commons/errors.js';
import { logger } from '../commons/powertools.js';
import type { Trigger } from '../core/outcome.js';
import { newRequestId } from '../core/revoke.js';

export interface WorkMessage {
  accountId: string;
  trigger: Exclude<Trigger, 'api'>;
  requestId: string;
  /** Extension: the offboarding event id or the schedule execution id. */
  correlationId?: string;
  /** Rotation: revoke the token of exactly this secret version, not the current one. */
  secretVersionId?: string;
}

const BATCH = 10;
const ENTRY_ATTEMPTS = 3;

/** The SDK is imported with the client, on the first send: a cold start never compiles it. */
const loadSqs = () => import('./sdk/sqs.js');

export class WorkQueueSender {
  constructor(
    /** Builds (once) the client on first use. */
    private readonly client: () => Promise<SQSClient>,
    private readonly queueUrl: string,
  ) {}

  /**
   * Sends one message per account. Entries SQS refuses are sent again (twice); what still fails
   * is returned, so that the caller can fail loudly instead of dropping accounts.
   */
  async send(
    accountIds: readonly string[],
    trigger: WorkMessage['trigger'],
    correlationId: string | undefined,
  ): Promise<{ sent: number; failed: string[] }> {
    const failed: string[] = [];
    let sent = 0;
    await pMap(
      inBatches(accountIds, BATCH),
      async (ids) => {
        const entries = ids.map((accountId, index) => ({
          Id: String(index),
          accountId,
          body: JSON.stringify({
            accountId,
            trigger,
            requestId: newRequestId(),
            ...(correlationId ? { correlationId } : {}),
          } satisfies WorkMessage),
        }));
        const left = await resendRefused(
          entries,
          async (pending) => {
            // Inside the attempt: a client that cannot be loaded fails it like any other error.
            const [client, { SendMessageBatchCommand }] = await Promise.all([
              this.client(),
              loadSqs(),
            ]);
            const answer = await client.send(
              new SendMessageBatchCommand({
                QueueUrl: this.queueUrl,
                Entries: pending.map(({ Id, body }) => ({ Id, MessageBody: body })),
              }),
            );
            const refused = new Set((answer.Failed ?? []).map((entry) => entry.Id));
            sent += pending.length - refused.size;
            return pending.filter((entry) => refused.has(entry.Id));
          },
          {
            attempts: ENTRY_ATTEMPTS,
            // The SDK already retried the call; count the attempt and try the entries again.
            onError: (error, attempt) =>
              logger.warn('SendMessageBatch failed', { error: awsErrorName(error), attempt }),
          },
        );
        failed.push(...left.map((entry) => entry.accountId));
      },
      { concurrency: 4 },
    );
    return { sent, failed };
  }

  /** Sends one message, held back by SQS for `delaySeconds` (rotation's grace, up to 900). */
  async sendDelayed(message: WorkMessage, delaySeconds: number): Promise<void> {
    const [client, { SendMessageCommand }] = await Promise.all([this.client(), loadSqs()]);
    await client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(message),
        DelaySeconds: delaySeconds,
      }),
    );
  }

  /**
   * Sends one message per account of every page, and fails naming the accounts SQS still refused
   * after the retries (once the others are sent): accounts are never dropped silently.
   */
  async sendAll(
    pages: Iterable<readonly string[]> | AsyncIterable<readonly string[]>,
    trigger: WorkMessage['trigger'],
    correlationId: string | undefined,
  ): Promise<number> {
    let sent = 0;
    const failed: string[] = [];
    for await (const page of pages) {
      const result = await this.send(page, trigger, correlationId);
      sent += result.sent;
      failed.push(...result.failed);
    }
    if (failed.length > 0) throw new QueueingError(failed);
    return sent;
  }
}
