// Cuts a list into batches of at most `size`: ten messages per SendMessageBatch, twenty secrets
// per BatchGetSecretValue, a hundred listed accounts per page.
export const inBatches = <T>(items: readonly T[], size: number): T[][] => {
  const batches: T[][] = [];
  for (let i = 0; i < items.length; i += size) batches.push(items.slice(i, i + size));
  return batches;
};

export interface ResendOptions {
  /** Calls at most, the first included. */
  attempts: number;
  /** Wait before the call of this attempt (2, 3, ...); none when absent. */
  backoffMs?: (attempt: number) => number;
  /** A failed call is counted as an attempt and its entries sent again; without it, it throws. */
  onError?: (error: unknown, attempt: number) => void;
}

/**
 * Sends entries through a batch API and sends again the ones it refused (SQS `Failed`,
 * EventBridge entries with an `ErrorCode`, DynamoDB's unprocessed keys), up to `attempts` calls.
 * `send` returns the refused entries; what is still refused after the last call is returned.
 */
export const resendRefused = async <T>(
  entries: readonly T[],
  send: (pending: T[]) => Promise<T[]>,
  options: ResendOptions,
): Promise<T[]> => {
  let pending = [...entries];
  for (let attempt = 1; attempt <= options.attempts && pending.length > 0; attempt += 1) {
    const wait = attempt > 1 ? (options.backoffMs?.(attempt) ?? 0) : 0;
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    try {
      pending = await send(pending);
    } catch (error) {
      if (!options.onError) throw error;
      options.onError(error, attempt);
    }
  }
  return pending;
};
