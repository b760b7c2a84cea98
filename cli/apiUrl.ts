// Where the CLI sends its requests: the API's base URL, whether it is a loopback address (plain
// HTTP, no signing, as local mode runs) and the region to sign for.
import { isLoopbackHost } from '../lambda/commons/interface.js';

export class UsageError extends Error {
  override name = 'UsageError';
}

export { isLoopbackHost };

/** The API's base URL, checked: http only for loopback, no credentials, query or fragment. */
export const parseApiUrl = (raw: string): URL => {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new UsageError(`--api is not a URL: ${raw.slice(0, 200)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UsageError('--api must be an https:// URL (or http:// on a loopback address)');
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw new UsageError(
      `refusing plain http to ${url.hostname}: use https (http is only for 127.0.0.1, ::1 and localhost)`,
    );
  }
  if (url.username || url.password) {
    throw new UsageError('--api must not carry credentials');
  }
  if (url.search || url.hash) {
    throw new UsageError('--api must not carry a query or fragment');
  }
  return url;
};

// `{api-id}.execute-api.{region}.amazonaws.com`, also with a VPC endpoint id and in China.
const EXECUTE_API_HOST = /\.execute-api\.([a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com(?:\.cn)?$/;

export const regionOfHost = (hostname: string): string | undefined =>
  EXECUTE_API_HOST.exec(hostname.toLowerCase())?.[1];

/** The region to sign for: --region, then the execute-api host, then the environment. */
export const signingRegion = (
  url: URL,
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string => {
  const region =
    flag?.trim() ||
    regionOfHost(url.hostname) ||
    env['AWS_REGION']?.trim() ||
    env['AWS_DEFAULT_REGION']?.trim();
  if (!region) {
    throw new UsageError(
      `cannot tell the region of ${url.hostname}: pass --region or set AWS_REGION`,
    );
  }
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
    throw new UsageError(`not an AWS region: ${region.slice(0, 40)}`);
  }
  return region;
};

/** The base URL joined with a path: a stage prefix (`/prod`) is kept. */
export const endpoint = (base: URL, path: string, query?: Record<string, string>): URL => {
  const url = new URL(base.href);
  url.pathname = `${base.pathname.replace(/\/+$/, '')}${path}`;
  for (const [key, value] of Object.entries(query ?? {})) url.searchParams.set(key, value);
  return url;
};
