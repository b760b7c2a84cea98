// Idempotent handling through the real DynamoDB client against dynalite: a repetition answers the
// first result without running the work again; a failure or an unusable table never blocks work.
import { IdempotencyValidationError } from '@aws-lambda-powertools/idempotency';
import { beforeEach, describe, expect, it } from 'vitest';
import { Idempotency } from '../../../lambda/adapters/idempotency.js';
import { captureLogs } from '../../support/capturedLogs.js';
import { fakeContext } from '../../support/lambdaContext.js';
import { useTablePerTest } from '../../support/standInsPerFile.js';

const local = useTablePerTest('createIdempotencyTable');
captureLogs();
let idempotency: Idempotency;
beforeEach(() => {
  idempotency = new Idempotency(local.dynamo.client, local.tableName);
});

/** Work that counts its runs and answers which run it was. */
const counted = () => {
  const runs = { count: 0 };
  const work = async () => {
    runs.count += 1;
    return { run: runs.count };
  };
  return { runs, work };
};

const options = (key: Record<string, string>, payload?: Record<string, unknown>) => ({
  keyPrefix: 'test',
  key,
  expiresAfterSeconds: 60,
  // In Lambda the key's in-progress lock lasts no longer than the invocation.
  context: fakeContext(),
  ...(payload ? { payload } : {}),
});

describe('Idempotency', () => {
  it('runs the work once per key and answers a repetition with the first result', async () => {
    // Prepare
    const { runs, work } = counted();
    // Act
    const first = await idempotency.run(options({ eventId: 'e1' }), work);
    const again = await idempotency.run(options({ eventId: 'e1' }), work);
    const other = await idempotency.run(options({ eventId: 'e2' }), work);
    // Assess
    expect(first).toEqual({ run: 1 });
    expect(again).toEqual({ run: 1 });
    expect(other).toEqual({ run: 2 });
    expect(runs.count).toBe(2);
  });

  it('keeps the uses apart: one key under two prefixes runs twice', async () => {
    // Prepare
    const { runs, work } = counted();
    // Act
    await idempotency.run(options({ eventId: 'e1' }), work);
    await idempotency.run({ ...options({ eventId: 'e1' }), keyPrefix: 'other' }, work);
    // Assess
    expect(runs.count).toBe(2);
  });

  it('releases the key when the work throws, so that a retry runs it again', async () => {
    // Prepare
    const { runs, work } = counted();
    const failing = async () => {
      throw new Error('upstream down');
    };
    // Act
    const first = idempotency.run(options({ eventId: 'e1' }), failing);
    // Assess
    await expect(first).rejects.toThrow('upstream down');
    expect(await idempotency.run(options({ eventId: 'e1' }), work)).toEqual({ run: 1 });
    expect(runs.count).toBe(1);
  });

  it('refuses a repetition whose payload differs', async () => {
    // Prepare
    const { runs, work } = counted();
    await idempotency.run(options({ key: 'k1' }, { accountId: 'alice' }), work);
    // Act
    const changed = idempotency.run(options({ key: 'k1' }, { accountId: 'bob' }), work);
    // Assess
    await expect(changed).rejects.toBeInstanceOf(IdempotencyValidationError);
    expect(runs.count).toBe(1);
  });

  it('runs the work all the same when the table is unusable', async () => {
    // Prepare
    const { runs, work } = counted();
    const missing = new Idempotency(local.dynamo.client, 'no-such-table');
    // Act
    const result = await missing.run(options({ eventId: 'e1' }), work);
    // Assess
    expect(result).toEqual({ run: 1 });
    expect(runs.count).toBe(1);
  });
});
