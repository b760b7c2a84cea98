// The command line of meeting-revoke, parsed and checked before any request is made.
import { parseArgs } from 'node:util';
import {
  ACCOUNT_ID_PATTERN,
  DEFAULT_SECRET_PREFIX,
  IDEMPOTENCY_KEY_PATTERN,
  MAX_HISTORY,
} from '../lambda/commons/interface.js';
import { UsageError } from './apiUrl.js';

const ACCOUNT_ID = ACCOUNT_ID_PATTERN;
const IDEMPOTENCY_KEY = IDEMPOTENCY_KEY_PATTERN;
/** Characters Secrets Manager allows in a secret name. */
export const SECRET_PREFIX_PATTERN = /^[A-Za-z0-9/_+=.@-]{0,256}$/;
export { DEFAULT_SECRET_PREFIX, MAX_HISTORY };

export const USAGE = `meeting-revoke: revoke Huawei Cloud Meeting tokens through the meeting-token-revoker API

Usage:
  meeting-revoke <accountId> [--reason TEXT] [--idempotency-key KEY]
  meeting-revoke revoke <accountId> [...]      the same; needed for an account named history,
                                               rotate, revoke or help
  meeting-revoke history <accountId> [--limit N]
  meeting-revoke rotate <accountId> [--secret-prefix PREFIX] [--region REGION]
  meeting-revoke --help

Options:
  --api URL               the API's base URL (default: $MEETING_REVOKER_API_URL), e.g.
                          https://abc123.execute-api.eu-west-1.amazonaws.com or http://127.0.0.1:3000
  --region REGION         region to sign for (default: from an execute-api host, else $AWS_REGION)
  --reason TEXT           why, stored with the outcome record (at most 256 characters)
  --idempotency-key KEY   a repeat within an hour returns the first answer, no new revocation
  --limit N               history: the N newest records (default 50; more is capped at 50, as
                          the API caps it)
  --secret-prefix PREFIX  rotate: the account's secret is PREFIX<accountId> (default:
                          $SECRET_PREFIX, else meeting/service-accounts/)
  --json                  print the API's answer as it came, JSON, on stdout
  --sign                  sign even a loopback URL (e.g. through a tunnel)
  -h, --help              this text
  --version               the version

Requests to https URLs are signed with SigV4 (service execute-api) using the default AWS
credential chain (environment, profile, SSO, instance role...). Loopback URLs (127.0.0.0/8, ::1,
localhost) get plain unsigned HTTP, as local mode (npm start) expects; plain http to any other
host is refused.

rotate calls Secrets Manager's RotateSecret on the account's secret directly (no API URL), with
the same default credential chain and $AWS_ENDPOINT_URL_SECRETS_MANAGER if set: the secret's
rotation function mints a new token, promotes it, then revokes the one it replaced. It prints
the new secret version; history shows the rotation record (trigger rotation) once it is done.

Exit codes:
  0  REVOKED, ALREADY_INVALID or ALREADY_REVOKED; history printed; rotation started
  2  usage error (arguments, --api, region)
  3  NOT_FOUND: no secret, or no token in it, for the account (rotate: no such secret)
  4  REJECTED: Huawei Cloud Meeting refused the logout (the token may still be valid)
  5  FAILED: the logout did not go through after retries (the token may still be valid)
  6  the API answered an error without an outcome (400, 403, 413, 422, 500...); rotate:
     Secrets Manager refused (rotation not configured, one already running, access denied)
  7  no answer: credentials, connection, DNS or timeout
  1  unexpected error
`;

export type Command =
  | { kind: 'help' }
  | { kind: 'version' }
  | {
      kind: 'revoke';
      accountId: string;
      reason?: string;
      idempotencyKey?: string;
      common: CommonOptions;
    }
  | { kind: 'history'; accountId: string; limit?: number; common: CommonOptions }
  | { kind: 'rotate'; accountId: string; secretPrefix?: string; common: CommonOptions };

export interface CommonOptions {
  api?: string;
  region?: string;
  json: boolean;
  sign: boolean;
}

const checkAccountId = (value: string | undefined): string => {
  if (value === undefined) throw new UsageError('an account id is required');
  if (!ACCOUNT_ID.test(value)) {
    throw new UsageError(
      `not a valid account id: ${JSON.stringify(value.slice(0, 140))} (${ACCOUNT_ID_PATTERN.source})`,
    );
  }
  return value;
};

export const parseCommand = (argv: readonly string[]): Command => {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    // parseArgs explains unknown options and missing values well; keep its words.
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help || positionals[0] === 'help') return { kind: 'help' };
  if (values.version) return { kind: 'version' };
  if (positionals.length === 0) throw new UsageError('an account id is required');

  const common: CommonOptions = {
    json: values.json ?? false,
    sign: values.sign ?? false,
    ...(values.api !== undefined ? { api: values.api } : {}),
    ...(values.region !== undefined ? { region: values.region } : {}),
  };
  const [first, ...rest] = positionals;
  const isHistory = first === 'history';
  const isRotate = first === 'rotate';
  const args = isHistory || isRotate || first === 'revoke' ? rest : positionals;
  if (args.length > 1) throw new UsageError(`unexpected argument: ${args[1]}`);
  const accountId = checkAccountId(args[0]);

  if (isRotate) return rotateCommand(accountId, values, common);
  if (values['secret-prefix'] !== undefined) throw new UsageError('--secret-prefix is for rotate');

  if (isHistory) {
    if (values.reason !== undefined || values['idempotency-key'] !== undefined) {
      throw new UsageError('--reason and --idempotency-key are for revoking, not history');
    }
    if (values.limit === undefined) return { kind: 'history', accountId, common };
    if (!/^\d+$/.test(values.limit) || Number(values.limit) < 1) {
      throw new UsageError('--limit must be a whole number from 1 (more than 50 answers 50)');
    }
    // The API answers at most 50 and caps a larger limit; asking for that is what it answers.
    const limit = Math.min(Number(values.limit), MAX_HISTORY);
    return { kind: 'history', accountId, limit, common };
  }
  if (values.limit !== undefined) throw new UsageError('--limit is for history');
  if (values.reason !== undefined && values.reason.length > 256) {
    throw new UsageError('--reason must be at most 256 characters');
  }
  const key = values['idempotency-key'];
  if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
    throw new UsageError('--idempotency-key must be 1-255 visible ASCII characters');
  }
  return {
    kind: 'revoke',
    accountId,
    common,
    ...(values.reason !== undefined ? { reason: values.reason } : {}),
    ...(key !== undefined ? { idempotencyKey: key } : {}),
  };
};

const rotateCommand = (
  accountId: string,
  values: ReturnType<typeof parse>['values'],
  common: CommonOptions,
): Command => {
  const misplaced = (['api', 'sign', 'reason', 'idempotency-key', 'limit'] as const).filter(
    (name) => values[name] !== undefined,
  );
  if (misplaced.length > 0) {
    throw new UsageError(
      `${misplaced.map((name) => `--${name}`).join(', ')}: not for rotate, which calls Secrets Manager directly`,
    );
  }
  const prefix = values['secret-prefix'];
  if (prefix !== undefined && !SECRET_PREFIX_PATTERN.test(prefix)) {
    throw new UsageError(
      '--secret-prefix may hold only letters, digits and /_+=.@- (at most 256 characters)',
    );
  }
  return {
    kind: 'rotate',
    accountId,
    common,
    ...(prefix !== undefined ? { secretPrefix: prefix } : {}),
  };
};

const parse = (argv: readonly string[]) =>
  parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      api: { type: 'string' },
      region: { type: 'string' },
      reason: { type: 'string' },
      'idempotency-key': { type: 'string' },
      limit: { type: 'string' },
      'secret-prefix': { type: 'string' },
      json: { type: 'boolean' },
      sign: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean' },
    },
  });
