// The request id of an HTTP call: the caller's X-Request-ID when it is a UUID, else a new one.
// Remembered per event so that the answer's header and the revocation agree.
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (value: unknown): value is string =>
  typeof value === 'string' && UUID.test(value);

const ids = new WeakMap<object, string>();

/**
 * Header lookup that ignores case, as HTTP does (API Gateway lower-cases, local tools may not).
 * Not @middy/http-header-normalizer: the entry reads X-Request-ID before the HTTP chain runs,
 * so this lookup is needed anyway, and the normaliser would add 1.5 KiB for one more header.
 */
export const headerOf = (event: APIGatewayProxyEventV2, name: string): string | undefined => {
  const headers = event.headers ?? {};
  const direct = headers[name];
  if (direct !== undefined) return direct;
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === lower) return value;
  }
  return undefined;
};

export const requestIdOf = (event: APIGatewayProxyEventV2): string => {
  let id = ids.get(event);
  if (id === undefined) {
    const given = headerOf(event, 'x-request-id')?.trim();
    id = isUuid(given) ? given : randomUUID();
    ids.set(event, id);
  }
  return id;
};
