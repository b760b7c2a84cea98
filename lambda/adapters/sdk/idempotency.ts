// What the function uses of Powertools idempotency, imported on first use. Named here because
// esbuild keeps a whole package in the chunk of a dynamic import() of it, and only what a module
// re-exports.
export {
  IdempotencyConfig,
  IdempotencyPersistenceLayerError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
export { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
