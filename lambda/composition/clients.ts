// AWS SDK clients, each built on first use and then reused by every invocation of the process
// (their keep-alive sockets with them). Endpoints come from the standard SDK settings, never from
// this code. The SQS and EventBridge clients are imported only when a trigger first needs one, so
// a cold start that never does (the HTTP API) does not even compile them.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { traced } from '../commons/tracing.js';

// Without these a connection that goes silent holds a call until the function times out: an
// attempt that hears nothing for 3 s (or cannot connect in 1 s) is abandoned, then retried.
const requestHandler = { connectionTimeout: 1_000, socketTimeout: 3_000 };
// The standard retry mode, whatever AWS_RETRY_MODE says: the attempts and backoff the tests prove.
// The adaptive mode's client-side rate limiter would hold calls back on top of them (and the build
// leaves it out: scripts/bundling.mjs).
const options = { retryMode: 'standard', requestHandler } as const;

export class Clients {
  #secrets: SecretsManagerClient | undefined;
  #dynamo: DynamoDBClient | undefined;
  #documents: DynamoDBDocumentClient | undefined;
  #sqs: Promise<SQSClient> | undefined;
  #eventBridge: Promise<EventBridgeClient> | undefined;

  secrets(): SecretsManagerClient {
    this.#secrets ??= traced(new SecretsManagerClient({ maxAttempts: 4, ...options }));
    return this.#secrets;
  }

  dynamo(): DynamoDBClient {
    // Writes of outcome records must not be lost to a throttling burst: more, patient attempts.
    this.#dynamo ??= traced(new DynamoDBClient({ maxAttempts: 6, ...options }));
    return this.#dynamo;
  }

  documents(): DynamoDBDocumentClient {
    this.#documents ??= DynamoDBDocumentClient.from(this.dynamo(), {
      marshallOptions: { removeUndefinedValues: true },
    });
    return this.#documents;
  }

  sqs(): Promise<SQSClient> {
    this.#sqs ??= import('../adapters/sdk/sqs.js').then(({ SQSClient }) =>
      traced(new SQSClient({ maxAttempts: 4, ...options })),
    );
    return this.#sqs;
  }

  eventBridge(): Promise<EventBridgeClient> {
    this.#eventBridge ??= import('../adapters/sdk/eventBridge.js').then(({ EventBridgeClient }) =>
      traced(new EventBridgeClient({ maxAttempts: 4, ...options })),
    );
    return this.#eventBridge;
  }

  /** Closes the sockets of the clients built so far. */
  destroy(): void {
    for (const client of [this.#secrets, this.#documents, this.#dynamo]) client?.destroy();
    for (const client of [this.#sqs, this.#eventBridge]) {
      client?.then(
        (built) => built.destroy(),
        () => undefined,
      );
    }
  }
}
