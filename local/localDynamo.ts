// In-process DynamoDB (dynalite) for tests and local mode, with the project's two table layouts;
// the benchmark starts the same server in a process of its own and connects to it.
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { listenOnLoopback } from './listenOnLoopback.js';

export interface LocalDynamo {
  endpoint: string;
  client: DynamoDBClient;
  /** The same connection wrapped for plain JavaScript values. */
  documentClient: DynamoDBDocumentClient;
  createOutcomeTable(name: string): Promise<void>;
  createIdempotencyTable(name: string): Promise<void>;
  deleteTable(name: string): Promise<void>;
  stop(): Promise<void>;
}

const POLL_MS = 10;
const POLL_LIMIT_MS = 5_000;

export interface DynaliteOptions {
  /** A LevelDB directory that keeps the tables across restarts (local mode); in memory without. */
  path?: string;
}

/** A listening dynalite server. */
export interface DynaliteServer {
  endpoint: string;
  close(): Promise<void>;
}

export async function serveDynalite(options: DynaliteOptions = {}): Promise<DynaliteServer> {
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(options.path !== undefined ? { path: options.path } : {}),
  });
  const endpoint = await listenOnLoopback(server);
  return {
    endpoint,
    close() {
      const closed = new Promise<void>((resolve, reject) =>
        server.close((error?: Error) => (error ? reject(error) : resolve())),
      );
      // dynalite's close waits for open sockets; keep-alive ones would hold it for seconds.
      server.closeAllConnections();
      return closed;
    },
  };
}

export async function startDynalite(options: DynaliteOptions = {}): Promise<LocalDynamo> {
  const server = await serveDynalite(options);
  return connectDynamo(server.endpoint, () => server.close());
}

/** Clients and table helpers for the dynalite at `endpoint`; stop() closes them, then `close`. */
export function connectDynamo(endpoint: string, close: () => Promise<void>): LocalDynamo {
  // Explicit credentials and region: tests must never look for real ones.
  const client = new DynamoDBClient({
    endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const documentClient = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });

  const waitFor = async (name: string, exists: boolean) => {
    const deadline = Date.now() + POLL_LIMIT_MS;
    while (Date.now() < deadline) {
      try {
        const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
        if (exists && Table?.TableStatus === 'ACTIVE') return;
      } catch (error) {
        if (!(error instanceof ResourceNotFoundException)) throw error;
        if (!exists) return;
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    throw new Error(`table ${name} did not become ${exists ? 'ACTIVE' : 'deleted'} in time`);
  };

  return {
    endpoint,
    client,
    documentClient,
    async createOutcomeTable(name) {
      await client.send(
        new CreateTableCommand({
          TableName: name,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [
            { AttributeName: 'accountId', AttributeType: 'S' },
            { AttributeName: 'recordId', AttributeType: 'S' },
          ],
          KeySchema: [
            { AttributeName: 'accountId', KeyType: 'HASH' },
            { AttributeName: 'recordId', KeyType: 'RANGE' },
          ],
        }),
      );
      await waitFor(name, true);
    },
    async createIdempotencyTable(name) {
      await client.send(
        new CreateTableCommand({
          TableName: name,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        }),
      );
      await waitFor(name, true);
      try {
        await client.send(
          new UpdateTimeToLiveCommand({
            TableName: name,
            TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
          }),
        );
      } catch (error) {
        // dynalite 4 has no UpdateTimeToLive; expiry is not something the tests rely on.
        if (!(error instanceof Error) || error.name !== 'UnknownOperationException') throw error;
      }
    },
    async deleteTable(name) {
      await client.send(new DeleteTableCommand({ TableName: name }));
      await waitFor(name, false);
    },
    async stop() {
      client.destroy();
      await close();
    },
  };
}
