// AWS SDK clients, reused by every invocation (their keep-alive sockets with them) while the
// endpoint settings hold. Endpoints come from the standard SDK settings, never from this code.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { traced } from '../commons/tracing.js';

export interface Clients {
  secrets: SecretsManagerClient;
  dynamo: DynamoDBClient;
  documents: DynamoDBDocumentClient;
  sqs: SQSClient;
  eventBridge: EventBridgeClient;
}

// Settings that change where a client sends requests. Local mode and tests point them at
// stand-ins; a change rebuilds the clients instead of silently talking to the old endpoint.
export const ENDPOINT_SETTINGS = [
  'AWS_REGION',
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_SECRETS_MANAGER',
  'AWS_ENDPOINT_URL_DYNAMODB',
  'AWS_ENDPOINT_URL_SQS',
  'AWS_ENDPOINT_URL_EVENTBRIDGE',
  'AWS_ACCESS_KEY_ID',
];

// Without these a connection that goes silent holds a call until the function times out: an
// attempt that hears nothing for 3 s (or cannot connect in 1 s) is abandoned, then retried.
const requestHandler = { connectionTimeout: 1_000, socketTimeout: 3_000 };

export const createClients = (): Clients => {
  // Writes of outcome records must not be lost to a throttling burst: more, patient attempts.
  const dynamo = traced(new DynamoDBClient({ maxAttempts: 6, requestHandler }));
  const clients: Clients = {
    secrets: traced(new SecretsManagerClient({ maxAttempts: 4, requestHandler })),
    dynamo,
    documents: DynamoDBDocumentClient.from(dynamo, {
      marshallOptions: { removeUndefinedValues: true },
    }),
    sqs: traced(new SQSClient({ maxAttempts: 4, requestHandler })),
    eventBridge: traced(new EventBridgeClient({ maxAttempts: 4, requestHandler })),
  };
  return clients;
};

/** Closes the clients' sockets. */
export const destroyClients = (clients: Clients): void => {
  for (const client of Object.values(clients)) client.destroy();
};
