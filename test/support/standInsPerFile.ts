// Stand-ins for the adapter tests, which drive an adapter through the real AWS SDK client: started
// once per test file, emptied before each test, stopped after the file.
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type LocalDynamo, startDynalite } from '../../local/localDynamo.js';
import { SecretsManagerStandIn } from '../../local/SecretsManagerStandIn.js';

/** The Secrets Manager stand-in, and a client of it that tries each call once. */
export const useSecretsManagerStandIn = (): {
  sm: SecretsManagerStandIn;
  client: SecretsManagerClient;
} => {
  const used = {} as { sm: SecretsManagerStandIn; client: SecretsManagerClient };
  beforeAll(async () => {
    used.sm = await SecretsManagerStandIn.start();
    used.client = new SecretsManagerClient({
      endpoint: used.sm.endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      // One try: a fault injected in the stand-in is meant for the code under test, not the SDK.
      maxAttempts: 1,
    });
  });
  beforeEach(() => {
    used.sm.reset();
  });
  afterAll(async () => {
    used.client.destroy();
    await used.sm.stop();
  });
  return used;
};

/**
 * dynalite, and a new table of the given layout for each test (`tableName`), so that nothing one
 * test writes is seen by another.
 */
export const useTablePerTest = (
  layout: 'createOutcomeTable' | 'createIdempotencyTable',
): { dynamo: LocalDynamo; tableName: string } => {
  const used = { tableName: '' } as { dynamo: LocalDynamo; tableName: string };
  let tables = 0;
  beforeAll(async () => {
    used.dynamo = await startDynalite();
  });
  beforeEach(async () => {
    tables += 1;
    used.tableName = `table-${tables}`;
    await used.dynamo[layout](used.tableName);
  });
  afterAll(async () => {
    await used.dynamo.stop();
  });
  return used;
};
