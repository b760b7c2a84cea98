import { afterEach, describe, expect, it } from 'vitest';
import { Clients } from '../../../lambda/composition/clients.js';

interface Configured {
  config: {
    maxAttempts: () => Promise<number>;
    requestHandler: unknown;
  };
}

/** What a client was built with: its attempts and its connection and socket timeouts. */
const settingsOf = async (client: Configured) => {
  const handler = client.config.requestHandler as {
    configProvider: Promise<{ connectionTimeout?: number; socketTimeout?: number }>;
  };
  const { connectionTimeout, socketTimeout } = await handler.configProvider;
  return { maxAttempts: await client.config.maxAttempts(), connectionTimeout, socketTimeout };
};

let clients: Clients;
afterEach(() => clients?.destroy());

describe('Clients', () => {
  it('builds each client once, on first use, and hands the same one to every later use', async () => {
    // Prepare
    clients = new Clients();
    // Act
    const [sqs, again] = await Promise.all([clients.sqs(), clients.sqs()]);
    // Assess
    expect(again).toBe(sqs);
    expect(clients.secrets()).toBe(clients.secrets());
    expect(clients.documents()).toBe(clients.documents());
    expect(await clients.eventBridge()).toBe(await clients.eventBridge());
  });

  it('gives every client its attempts and abandons silent connections', async () => {
    // Prepare
    clients = new Clients();
    const timeouts = { connectionTimeout: 1_000, socketTimeout: 3_000 };
    // Act
    const settings = await Promise.all([
      settingsOf(clients.secrets() as unknown as Configured),
      settingsOf(clients.dynamo() as unknown as Configured),
      settingsOf((await clients.sqs()) as unknown as Configured),
      settingsOf((await clients.eventBridge()) as unknown as Configured),
    ]);
    // Assess: DynamoDB (outcome records) is given more attempts than the others
    expect(settings).toEqual([
      { maxAttempts: 4, ...timeouts },
      { maxAttempts: 6, ...timeouts },
      { maxAttempts: 4, ...timeouts },
      { maxAttempts: 4, ...timeouts },
    ]);
    expect(clients.documents().config.requestHandler).toBe(clients.dynamo().config.requestHandler);
  });
});
