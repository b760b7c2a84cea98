// Validates the upstream base URL: TLS everywhere except loopback, which tests and local mode use.

/** The China site; the international site is https://api-intl.meeting.huaweicloud.com. */
export const DEFAULT_MEETING_API_BASE_URL = 'https://api.meeting.huaweicloud.com';

import { isLoopbackHost } from '../../commons/interface.js';

export { isLoopbackHost };

/**
 * Parses a base URL, returning it without a trailing slash, or a reason it is refused.
 * Credentials, query and fragment are refused: the URL is configuration, not a place for secrets.
 */
export const parseBaseUrl = (raw: string): { url: string } | { error: string } => {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    return { error: 'is not a valid URL' };
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    return { error: `protocol ${parsed.protocol} is not allowed (use https://)` };
  }
  if (parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname)) {
    return { error: 'http:// is refused except for loopback hosts (use https://)' };
  }
  if (parsed.username || parsed.password) return { error: 'must not carry credentials' };
  if (parsed.search || parsed.hash) return { error: 'must not carry a query or fragment' };
  return { url: `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}` };
};
