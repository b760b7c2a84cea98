// Local mode answers only its own developer: a web page the developer visits must not be able to
// drive it (cross-site requests, DNS rebinding), since with a real MEETING_API_BASE_URL it revokes
// real tokens. Checked on every route before anything else is read.

import { MIMEType } from 'node:util';
import { isLoopbackHost } from '../lambda/commons/interface.js';

export interface Refusal {
  status: 403 | 415;
  code: 'FORBIDDEN_HOST' | 'FORBIDDEN_ORIGIN' | 'UNSUPPORTED_MEDIA_TYPE';
  message: string;
}

/** localhost, 127.0.0.0/8 and ::1: names a browser on this machine cannot be made to resolve elsewhere. */
export const isLoopbackHostname = isLoopbackHost;

/** The hostname of a Host header (`name[:port]`, `[v6][:port]`); undefined when it is anything more. */
const hostnameOf = (host: string): string | undefined => {
  try {
    const url = new URL(`http://${host}`);
    const given = host.toLowerCase();
    // Nothing but a host and port: no user info, path or other trick that URL would accept.
    return url.host === given || `${url.host}:80` === given ? url.hostname : undefined;
  } catch {
    return undefined;
  }
};

/**
 * Why a request to the local server is refused, or undefined to serve it.
 * - 403 unless `Host` names a loopback address (a rebound DNS name carries its own name here);
 * - 403 for an `Origin` other than this server's own (`null` included), which browsers send on
 *   every cross-site POST;
 * - 415 for a POST whose `Content-Type` is not `application/json`: HTML forms and `no-cors`
 *   fetches can only send text/plain, form or multipart bodies, or none.
 */
export const refusalOf = (
  method: string | undefined,
  headers: { host?: string | undefined; origin?: string | undefined; 'content-type'?: string },
  port: number,
): Refusal | undefined => {
  const hostname = headers.host === undefined ? undefined : hostnameOf(headers.host);
  if (hostname === undefined || !isLoopbackHostname(hostname)) {
    return {
      status: 403,
      code: 'FORBIDDEN_HOST',
      message: 'Local mode answers requests to a loopback host only (127.0.0.1, localhost, ::1).',
    };
  }
  if (headers.origin !== undefined && !isOwnOrigin(headers.origin, port)) {
    return {
      status: 403,
      code: 'FORBIDDEN_ORIGIN',
      message: 'Local mode refuses requests from web pages of another origin.',
    };
  }
  if (method === 'POST' && !isJson(headers['content-type'])) {
    return {
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
      message: 'Send POST bodies with Content-Type: application/json.',
    };
  }
  return undefined;
};

const isOwnOrigin = (origin: string, port: number): boolean => {
  try {
    const url = new URL(origin);
    return (
      url.protocol === 'http:' &&
      url.origin === origin.toLowerCase().replace(/\/$/, '') &&
      isLoopbackHostname(url.hostname) &&
      Number(url.port || 80) === port
    );
  } catch {
    return false;
  }
};

const isJson = (contentType: string | undefined): boolean => {
  if (contentType === undefined) return false;
  try {
    return new MIMEType(contentType).essence === 'application/json';
  } catch {
    return false;
  }
};
