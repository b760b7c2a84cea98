// Errors the CDK app raises before synthesis, each naming what the operator has to fix.

/** A cdk.json / `-c key=value` context value is missing or invalid; the message names the key. */
export class ContextError extends Error {
  public readonly key: string;

  public constructor(key: string, message: string) {
    super(`context "${key}": ${message}`);
    this.name = 'ContextError';
    this.key = key;
  }
}

/** The deployable bundle is not where the stack expects it, so there is nothing to deploy. */
export class BundleMissingError extends Error {
  public constructor(path: string) {
    super(`${path} not found: run \`npm run build\` first (cdk.json's app command does)`);
    this.name = 'BundleMissingError';
  }
}
