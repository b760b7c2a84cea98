// HTTP answers of the API: JSON bodies, and errors as {"error": {"code", "message"}}.

import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { RevokerError } from '../../commons/errors.js';

/**
 * An error that becomes an HTTP answer. Its message is the JSON body, which is how
 * @middy/http-error-handler passes it through as application/json.
 */
export class HttpError extends RevokerError {
  override name = 'HttpError';
  readonly expose = true;
  constructor(
    readonly statusCode: number,
    readonly code: string,
    readonly description: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(JSON.stringify({ error: { code, message: description } }));
  }
}

export const INTERNAL_ERROR_BODY = JSON.stringify({
  error: { code: 'INTERNAL_ERROR', message: 'An internal error occurred; see the function logs.' },
});

export const json = (
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'Content-Type': 'application/json', ...headers },
  body: JSON.stringify(body),
});
