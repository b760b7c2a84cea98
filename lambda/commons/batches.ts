// Cuts a list into batches of at most `size`: ten messages per SendMessageBatch, twenty secrets
// per BatchGetSecretValue, a hundred listed accounts per page.
export const inBatches = <T>(items: readonly T[], size: number): T[][] => {
  const batches: T[][] = [];
  for (let i = 0; i < items.length; i += size) batches.push(items.slice(i, i + size));
  return batches;
};
