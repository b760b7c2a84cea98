// Idempotent handling through Powertools: a repeated request (same Idempotency-Key, same
// offboarding event, same schedule execution) returns the first result without new upstream calls.
import type { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { awsErrorName } from '../commons/errors.js';
import { logger } from '../commons/powertools.js';

export interface IdempotencyOptions {
  /** Keeps the keys of different uses apart (`api`, `offboarding`, `sweep`). */
  keyPrefix: string;
  /** What identifies a repetition; hashed into the key. */
  key: Record<string, string>;
  /** What must be the same in a repetition; a difference throws IdempotencyValidationError. */
  payload?: Record<string, unknown>;
  expiresAfterSeconds: number;
  context?: Context;
}

// Powertools idempotency (with its JMESPath engine) is imported on the first use: only a POST with
// an Idempotency-Key, an offboarding event or a sweep run needs it, never a cold start as such.
const loadPowertools = () => import('./sdk/idempotency.js');
type Powertools = Awaited<ReturnType<typeof loadPowertools>>;

/**
 * Whether `error` is the Powertools idempotency error of that name. By name, not by class: the
 * classes are only there once Powertools is loaded, and the HTTP API must not load it to check.
 */
export const isIdempotencyError = (
  error: unknown,
  name: 'IdempotencyValidationError' | 'IdempotencyAlreadyInProgressError',
): error is Error => error instanceof Error && error.name === name;

/** The idempotency table of a deployment, through Powertools' DynamoDB persistence layer. */
export class Idempotency {
  // One persistence layer per use: a layer keeps the first configuration it is given (expiry,
  // payload validation) and ignores later ones, and the uses differ in both.
  private readonly layers = new Map<string, DynamoDBPersistenceLayer>();

  constructor(
    private readonly client: DynamoDBClient,
    readonly tableName: string,
  ) {}

  /**
   * Runs `work` once per key within the expiry. A result is stored only when `work` returns;
   * when it throws, the key is released so that a retry runs it again.
   */
  async run<R>(options: IdempotencyOptions, work: () => Promise<R>): Promise<R> {
    const powertools = await loadPowertools();
    const { DynamoDBPersistenceLayer } = powertools;
    let layer = this.layers.get(options.keyPrefix);
    if (!layer) {
      layer = new DynamoDBPersistenceLayer({
        tableName: this.tableName,
        awsSdkV3Client: this.client,
      });
      this.layers.set(options.keyPrefix, layer);
    }
    return runIdempotently(powertools, layer, this.tableName, options, work);
  }
}

const runIdempotently = async <R>(
  { IdempotencyConfig, IdempotencyPersistenceLayerError, makeIdempotent }: Powertools,
  persistenceStore: DynamoDBPersistenceLayer,
  tableName: string,
  options: IdempotencyOptions,
  work: () => Promise<R>,
): Promise<R> => {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'key',
    ...(options.payload ? { payloadValidationJmesPath: 'payload' } : {}),
    expiresAfterSeconds: options.expiresAfterSeconds,
    throwOnNoIdempotencyKey: true,
  });
  if (options.context?.getRemainingTimeInMillis) config.registerLambdaContext(options.context);
  let ran: { result: R } | { error: unknown } | undefined;
  const tracked = async (): Promise<R> => {
    try {
      const result = await work();
      ran = { result };
      return result;
    } catch (error) {
      ran = { error };
      throw error;
    }
  };
  const idempotent = makeIdempotent(async (_input: Record<string, unknown>) => tracked(), {
    persistenceStore,
    config,
    keyPrefix: `meeting-token-revoker.${options.keyPrefix}`,
  });
  try {
    return (await idempotent({ key: options.key, payload: options.payload ?? null })) as R;
  } catch (error) {
    if (!(error instanceof IdempotencyPersistenceLayerError)) throw error;
    // The idempotency table is missing, mis-keyed or down. Revoking matters more than
    // de-duplicating, and ALREADY_REVOKED still stops a second upstream call for a revoked token.
    logger.error('idempotency table unusable; going on without it', {
      table: tableName,
      error: error.message,
      cause: awsErrorName(error.cause),
    });
    if (ran && 'result' in ran) return ran.result;
    if (ran) throw ran.error;
    return work();
  }
};
