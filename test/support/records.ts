// Reads outcome records back from the local outcome table, for assertions.
import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Harness } from './harness.js';
import { OUTCOME_TABLE } from './harness.js';

export type StoredRecord = Record<string, unknown>;

/** One account's outcome records (marker items, which carry no outcome, left out). */
export const recordsOf = async (h: Harness, accountId: string): Promise<StoredRecord[]> => {
  const { Items = [] } = await h.dynamo.documentClient.send(
    new QueryCommand({
      TableName: OUTCOME_TABLE,
      KeyConditionExpression: 'accountId = :a',
      ExpressionAttributeValues: { ':a': accountId },
    }),
  );
  return Items.filter((item) => item['outcome'] !== undefined);
};

/** Every outcome record in the table. */
export const allRecords = async (h: Harness): Promise<StoredRecord[]> => {
  const items: StoredRecord[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await h.dynamo.documentClient.send(
      new ScanCommand({ TableName: OUTCOME_TABLE, ExclusiveStartKey: start }),
    );
    items.push(...(page.Items ?? []).filter((item) => item['outcome'] !== undefined));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
};
