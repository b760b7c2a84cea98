// The names and rules of the project's interface that the function, the CLI, local mode and the
// CDK app must agree on (docs/INTERFACE.md). Dependency-free, so that each of them can import it
// without pulling in anything else.

/** Account ids: checked before any call is made, everywhere an account id comes in. */
export const ACCOUNT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/;
/** The same rule, as words in error messages. */
export const ACCOUNT_ID_RULE = 'must match ^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$';

/** The `Idempotency-Key` header: printable ASCII without spaces, at most 255 characters. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** An EventBridge bus, by name or ARN. */
export const EVENT_BUS_PATTERN =
  /^(arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:event-bus\/)?[A-Za-z0-9._\-/]{1,256}$/;

/** Where account secrets live unless `SECRET_PREFIX` says otherwise. */
export const DEFAULT_SECRET_PREFIX = 'meeting/service-accounts/';

/** The most records `GET /revocations/{accountId}` answers. */
export const MAX_HISTORY = 50;

/** The Powertools service name: the `service` of log lines and metric dimensions. */
export const SERVICE_NAME = 'meeting-token-revoker';
/** The CloudWatch namespace of every metric the function emits. */
export const METRICS_NAMESPACE = 'MeetingTokenRevoker';
/** The `Source` of every outcome event the function publishes. */
export const OUTCOME_EVENT_SOURCE = 'meeting-token-revoker';

/**
 * 127.0.0.0/8, ::1 and localhost (brackets and case aside): the only hosts reached over plain
 * http, and the only `Host` local mode answers.
 */
export const isLoopbackHost = (hostname: string): boolean => {
  const host = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (host === 'localhost' || host === '::1') return true;
  const octets = host.split('.');
  return (
    octets.length === 4 &&
    octets[0] === '127' &&
    octets.every((octet) => /^\d{1,3}$/.test(octet) && Number(octet) <= 255)
  );
};
