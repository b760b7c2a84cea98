// Local Amazon SQS (JSON 1.0, query-compatible errors) for the real SDK client, with fault injection.
import { createHash, randomUUID } from 'node:crypto';
import {
  AwsError,
  AwsJsonServer,
  type InjectedError,
  optionalInt,
  requireString,
} from '../../local/awsJsonServer.js';

export interface SentMessage {
  queueUrl: string;
  body: string;
  messageId: string;
  messageAttributes?: Record<string, unknown>;
  /** DelaySeconds as sent (0 when absent). */
  delaySeconds: number;
}

export interface EntryFailure {
  code?: string;
  senderFault?: boolean;
  message?: string;
}

interface QueuedMessage {
  messageId: string;
  body: string;
  md5: string;
  sentAt: number;
  visibleAt: number;
  receiveCount: number;
  firstReceivedAt?: number;
  receiptHandle?: string;
}

interface EntryFault {
  predicate: (body: string) => boolean;
  remaining: number;
  failure: Required<EntryFailure>;
}

const ACCOUNT = '000000000000';
const MAX_BATCH_BYTES = 1024 * 1024;
// The query-protocol codes real SQS puts in `x-amzn-query-error`; the SDK maps them back to classes.
const QUERY_CODES: Record<string, string> = {
  QueueDoesNotExist: 'AWS.SimpleQueueService.NonExistentQueue',
  TooManyEntriesInBatchRequest: 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
  EmptyBatchRequest: 'AWS.SimpleQueueService.EmptyBatchRequest',
  BatchEntryIdsNotDistinct: 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct',
  BatchRequestTooLong: 'AWS.SimpleQueueService.BatchRequestTooLong',
  InvalidBatchEntryId: 'AWS.SimpleQueueService.InvalidBatchEntryId',
  UnsupportedOperation: 'AWS.SimpleQueueService.UnsupportedOperation',
};

export class SqsStandIn {
  /** Every message accepted by SendMessage or SendMessageBatch, in order. */
  readonly messages: SentMessage[] = [];
  readonly #server: AwsJsonServer;
  readonly #queues = new Map<string, QueuedMessage[]>();
  readonly #entryFaults: EntryFault[] = [];

  private constructor(server: AwsJsonServer) {
    this.#server = server;
  }

  static async start(): Promise<SqsStandIn> {
    let instance: SqsStandIn | undefined;
    const server = await AwsJsonServer.start({
      targetPrefix: 'AmazonSQS',
      contentType: 'application/x-amz-json-1.0',
      renderError: (error) => ({
        body: { __type: `com.amazonaws.sqs#${error.type}`, message: error.message },
        headers: {
          'x-amzn-query-error': `${QUERY_CODES[error.type] ?? error.type};${error.status >= 500 ? 'Receiver' : 'Sender'}`,
        },
      }),
      dispatch: (operation, input) => instance!.#dispatch(operation, input),
    });
    instance = new SqsStandIn(server);
    return instance;
  }

  get endpoint(): string {
    return this.#server.endpoint;
  }

  /** Every call received, faulted ones included, in arrival order. */
  get calls(): { operation: string; input: Record<string, unknown> }[] {
    return this.#server.calls;
  }

  /** Wait before answering each call. */
  set latencyMs(ms: number) {
    this.#server.latencyMs = ms;
  }

  /** Any queue name works: queues exist as soon as they are addressed. */
  queueUrl(name: string): string {
    return `${this.endpoint}/${ACCOUNT}/${name}`;
  }

  /** The next `times` (default: all) calls of the operation fail with this error. */
  fail(operation: string, error: InjectedError, times?: number): void {
    this.#server.fail(operation, error, times);
  }

  /**
   * SendMessageBatch entries whose body matches land in `Failed` instead of the queue; each
   * matching entry uses up one of `times` (default: all of them).
   */
  failEntries(
    predicate: (body: string) => boolean,
    times = Number.POSITIVE_INFINITY,
    failure: EntryFailure = {},
  ): void {
    this.#entryFaults.push({
      predicate,
      remaining: times,
      failure: {
        code: failure.code ?? 'InternalError',
        senderFault: failure.senderFault ?? false,
        message: failure.message ?? 'Injected entry failure.',
      },
    });
  }

  reset(): void {
    this.messages.length = 0;
    this.#queues.clear();
    this.#entryFaults.length = 0;
    this.#server.reset();
  }

  stop(): Promise<void> {
    return this.#server.stop();
  }

  #dispatch(operation: string, input: Record<string, unknown>): unknown {
    switch (operation) {
      case 'SendMessage':
        return this.#sendMessage(input);
      case 'SendMessageBatch':
        return this.#sendMessageBatch(input);
      case 'ReceiveMessage':
        return this.#receiveMessage(input);
      case 'DeleteMessage':
        return this.#deleteMessage(input);
      case 'DeleteMessageBatch':
        return this.#deleteMessageBatch(input);
      case 'GetQueueUrl':
        return {
          QueueUrl: this.queueUrl(requireString(input, 'QueueName', 'InvalidParameterValue')),
        };
      default:
        throw new AwsError('UnsupportedOperation', `The stand-in does not implement ${operation}.`);
    }
  }

  #queue(input: Record<string, unknown>): { url: string; messages: QueuedMessage[] } {
    const url = requireString(input, 'QueueUrl', 'InvalidAddress');
    let path: string;
    try {
      path = new URL(url).pathname;
    } catch {
      throw new AwsError('InvalidAddress', `The address ${url} is not valid for this endpoint.`);
    }
    if (!/^\/\d{12}\/[A-Za-z0-9_-]{1,80}(\.fifo)?$/.test(path)) {
      throw new AwsError('QueueDoesNotExist', 'The specified queue does not exist.');
    }
    // Keyed by path: the host part may be 127.0.0.1 or localhost depending on the caller.
    let messages = this.#queues.get(path);
    if (!messages) {
      messages = [];
      this.#queues.set(path, messages);
    }
    return { url, messages };
  }

  #enqueue(
    queue: { url: string; messages: QueuedMessage[] },
    entry: Record<string, unknown>,
  ): QueuedMessage {
    const body = entry['MessageBody'];
    if (typeof body !== 'string' || body === '') {
      throw new AwsError('MissingParameter', 'The request must contain the parameter MessageBody.');
    }
    const delay = optionalInt(
      entry,
      'DelaySeconds',
      { min: 0, max: 900, fallback: 0 },
      'InvalidParameterValue',
    );
    const now = Date.now();
    const message: QueuedMessage = {
      messageId: randomUUID(),
      body,
      md5: md5(body),
      sentAt: now,
      visibleAt: now + delay * 1000,
      receiveCount: 0,
    };
    queue.messages.push(message);
    const sent: SentMessage = {
      queueUrl: queue.url,
      body,
      messageId: message.messageId,
      delaySeconds: delay,
    };
    const attributes = entry['MessageAttributes'];
    if (attributes && typeof attributes === 'object') {
      sent.messageAttributes = attributes as Record<string, unknown>;
    }
    this.messages.push(sent);
    return message;
  }

  #sendMessage(input: Record<string, unknown>) {
    const message = this.#enqueue(this.#queue(input), input);
    return { MessageId: message.messageId, MD5OfMessageBody: message.md5 };
  }

  #sendMessageBatch(input: Record<string, unknown>) {
    const queue = this.#queue(input);
    const entries = input['Entries'];
    if (!Array.isArray(entries) || entries.length === 0) {
      throw new AwsError(
        'EmptyBatchRequest',
        'There should be at least one SendMessageBatchRequestEntry in the request.',
      );
    }
    if (entries.length > 10) {
      throw new AwsError(
        'TooManyEntriesInBatchRequest',
        `Maximum number of entries per request are 10. You have sent ${entries.length}.`,
      );
    }
    const ids = new Set<string>();
    let totalBytes = 0;
    for (const entry of entries as Record<string, unknown>[]) {
      const id = entry['Id'];
      if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,80}$/.test(id)) {
        throw new AwsError(
          'InvalidBatchEntryId',
          'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
        );
      }
      if (ids.has(id)) {
        throw new AwsError('BatchEntryIdsNotDistinct', `Id ${id} repeated.`);
      }
      ids.add(id);
      totalBytes += Buffer.byteLength(String(entry['MessageBody'] ?? ''));
    }
    if (totalBytes > MAX_BATCH_BYTES) {
      throw new AwsError(
        'BatchRequestTooLong',
        `Batch requests cannot be longer than ${MAX_BATCH_BYTES} bytes.`,
      );
    }

    const successful: { Id: string; MessageId: string; MD5OfMessageBody: string }[] = [];
    const failed: { Id: string; SenderFault: boolean; Code: string; Message: string }[] = [];
    for (const entry of entries as Record<string, unknown>[]) {
      const id = entry['Id'] as string;
      const fault = this.#entryFault(String(entry['MessageBody'] ?? ''));
      if (fault) {
        failed.push({
          Id: id,
          SenderFault: fault.senderFault,
          Code: fault.code,
          Message: fault.message,
        });
        continue;
      }
      try {
        const message = this.#enqueue(queue, entry);
        successful.push({ Id: id, MessageId: message.messageId, MD5OfMessageBody: message.md5 });
      } catch (error) {
        // A bad entry fails alone, as in SQS; the rest of the batch goes through.
        if (!(error instanceof AwsError)) throw error;
        failed.push({ Id: id, SenderFault: true, Code: error.type, Message: error.message });
      }
    }
    return { Successful: successful, Failed: failed };
  }

  #entryFault(body: string): Required<EntryFailure> | undefined {
    for (const fault of this.#entryFaults) {
      if (fault.remaining > 0 && fault.predicate(body)) {
        fault.remaining -= 1;
        return fault.failure;
      }
    }
    return undefined;
  }

  #receiveMessage(input: Record<string, unknown>) {
    // WaitTimeSeconds is ignored: answering at once keeps tests fast, and an empty answer is legal.
    const { messages } = this.#queue(input);
    const max = optionalInt(
      input,
      'MaxNumberOfMessages',
      { min: 1, max: 10, fallback: 1 },
      'InvalidParameterValue',
    );
    const visibility = optionalInt(
      input,
      'VisibilityTimeout',
      { min: 0, max: 43_200, fallback: 30 },
      'InvalidParameterValue',
    );
    const now = Date.now();
    const received = [];
    for (const message of messages) {
      if (received.length === max) break;
      if (message.visibleAt > now) continue;
      message.receiveCount += 1;
      message.firstReceivedAt ??= now;
      message.visibleAt = now + visibility * 1000;
      message.receiptHandle = randomUUID();
      received.push({
        MessageId: message.messageId,
        ReceiptHandle: message.receiptHandle,
        MD5OfBody: message.md5,
        Body: message.body,
        Attributes: {
          SenderId: 'AIDAEXAMPLE',
          SentTimestamp: String(message.sentAt),
          ApproximateReceiveCount: String(message.receiveCount),
          ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt),
        },
      });
    }
    return received.length > 0 ? { Messages: received } : {};
  }

  #deleteMessage(input: Record<string, unknown>) {
    const { messages } = this.#queue(input);
    const handle = requireString(input, 'ReceiptHandle', 'ReceiptHandleIsInvalid');
    const index = messages.findIndex((message) => message.receiptHandle === handle);
    if (index >= 0) messages.splice(index, 1);
    return {};
  }

  #deleteMessageBatch(input: Record<string, unknown>) {
    const { messages } = this.#queue(input);
    const entries = input['Entries'];
    if (!Array.isArray(entries) || entries.length === 0) {
      throw new AwsError('EmptyBatchRequest', 'There should be at least one entry in the request.');
    }
    const successful: { Id: string }[] = [];
    for (const entry of entries as Record<string, unknown>[]) {
      const index = messages.findIndex(
        (message) => message.receiptHandle === entry['ReceiptHandle'],
      );
      if (index >= 0) messages.splice(index, 1);
      successful.push({ Id: String(entry['Id']) });
    }
    return { Successful: successful, Failed: [] };
  }
}

function md5(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}
