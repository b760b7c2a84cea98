// The function's configuration: read from the environment into a typed object, with errors that name the variable (docs/INTERFACE.md, "Configuration").

import { DEFAULT_MEETING_API_BASE_URL, parseBaseUrl } from '../adapters/meeting/baseUrl.js';
import { ConfigurationError } from '../commons/errors.js';
import { DEFAULT_SECRET_PREFIX, EVENT_BUS_PATTERN } from '../commons/interface.js';

export type AcceptLanguage = 'en-US' | 'zh-CN';

export interface Config {
  meetingApiBaseUrl: string;
  acceptLanguage: AcceptLanguage;
  timeoutMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  secretPrefix: string;
  secretTokenField: string;
  outcomeTableName: string;
  idempotencyTableName: string | undefined;
  workQueueUrl: string | undefined;
  sweepConcurrency: number;
  /** Extension: check with Huawei's validate API that a REVOKED token is really dead. */
  verifyRevocation: boolean;
  /** Extension: the EventBridge bus (name or ARN) that hears of every outcome. */
  outcomeEventBusName: string | undefined;
  /** Rotation: name or ARN of the App ID secret `{"appId", "appKey"}`; unset, no rotation. */
  meetingAppSecretId: string | undefined;
  /** Rotation: key of the Huawei user id in an account secret's JSON. */
  secretUserIdField: string;
  /** Rotation: seconds between promoting the new token and revoking the old one (0: at once). */
  rotationGraceSeconds: number;
}

export type Env = Readonly<Record<string, string | undefined>>;

/** An unset or empty variable is treated as absent, so that `VAR=` selects the default. */
const read = (env: Env, name: string): string | undefined => {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
};

const integer = (env: Env, name: string, fallback: number, min: number, max: number): number => {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) {
    throw new ConfigurationError(name, `must be a whole number, got "${raw.slice(0, 32)}"`);
  }
  const value = Number(raw);
  if (value < min || value > max) {
    throw new ConfigurationError(name, `must be between ${min} and ${max}, got ${value}`);
  }
  return value;
};

// DynamoDB's own rule for table names.
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

const tableName = (env: Env, name: string, required: boolean): string | undefined => {
  const value = read(env, name);
  if (value === undefined) {
    if (required) throw new ConfigurationError(name, 'is required (the DynamoDB table name)');
    return undefined;
  }
  if (!TABLE_NAME.test(value)) {
    throw new ConfigurationError(name, 'must be a DynamoDB table name ([A-Za-z0-9_.-], 3-255)');
  }
  return value;
};

const queueUrl = (env: Env, name: string): string | undefined => {
  const value = read(env, name);
  if (value === undefined) return undefined;
  const protocol = URL.canParse(value) ? new URL(value).protocol : undefined;
  if (protocol !== 'https:' && protocol !== 'http:') {
    throw new ConfigurationError(name, 'must be an SQS queue URL');
  }
  return value;
};

const flag = (env: Env, name: string): boolean => {
  const value = read(env, name)?.toLowerCase();
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw new ConfigurationError(name, 'must be true or false');
};

// An EventBridge bus name, or its ARN.
const EVENT_BUS = EVENT_BUS_PATTERN;

const eventBus = (env: Env, name: string): string | undefined => {
  const value = read(env, name);
  if (value !== undefined && !EVENT_BUS.test(value)) {
    throw new ConfigurationError(name, 'must be an EventBridge bus name or ARN');
  }
  return value;
};

// A secret name (Secrets Manager's characters) or a secret ARN.
const SECRET_ID =
  /^(arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:)?[A-Za-z0-9/_+=.@-]{1,512}$/;

const secretId = (env: Env, name: string): string | undefined => {
  const value = read(env, name);
  if (value !== undefined && !SECRET_ID.test(value)) {
    throw new ConfigurationError(name, 'must be a Secrets Manager secret name or ARN');
  }
  return value;
};

/** Parses and validates the configuration; throws a ConfigurationError naming the variable. */
export const parseConfig = (env: Env): Config => {
  const baseUrl = parseBaseUrl(read(env, 'MEETING_API_BASE_URL') ?? DEFAULT_MEETING_API_BASE_URL);
  if ('error' in baseUrl) throw new ConfigurationError('MEETING_API_BASE_URL', baseUrl.error);

  const acceptLanguage = read(env, 'MEETING_ACCEPT_LANGUAGE') ?? 'en-US';
  if (acceptLanguage !== 'en-US' && acceptLanguage !== 'zh-CN') {
    throw new ConfigurationError('MEETING_ACCEPT_LANGUAGE', 'must be en-US or zh-CN');
  }

  // The prefix and the field are used verbatim (no trimming): a prefix may end in a space.
  const secretPrefix = env['SECRET_PREFIX'] || DEFAULT_SECRET_PREFIX;
  if (secretPrefix.length > 256) {
    throw new ConfigurationError('SECRET_PREFIX', 'must be at most 256 characters');
  }
  const secretTokenField = env['SECRET_TOKEN_FIELD'] || 'accessToken';

  return {
    meetingApiBaseUrl: baseUrl.url,
    acceptLanguage,
    timeoutMs: integer(env, 'MEETING_TIMEOUT_MS', 5000, 1, 120_000),
    maxAttempts: integer(env, 'MEETING_MAX_ATTEMPTS', 3, 1, 10),
    retryBaseMs: integer(env, 'MEETING_RETRY_BASE_MS', 100, 0, 60_000),
    secretPrefix,
    secretTokenField,
    outcomeTableName: tableName(env, 'OUTCOME_TABLE_NAME', true) as string,
    idempotencyTableName: tableName(env, 'IDEMPOTENCY_TABLE_NAME', false),
    workQueueUrl: queueUrl(env, 'WORK_QUEUE_URL'),
    sweepConcurrency: integer(env, 'SWEEP_CONCURRENCY', 8, 1, 256),
    verifyRevocation: flag(env, 'VERIFY_REVOCATION'),
    outcomeEventBusName: eventBus(env, 'OUTCOME_EVENT_BUS_NAME'),
    meetingAppSecretId: secretId(env, 'MEETING_APP_SECRET_ID'),
    secretUserIdField: env['SECRET_USER_ID_FIELD'] || 'userId',
    rotationGraceSeconds: integer(env, 'ROTATION_GRACE_SECONDS', 0, 0, 900),
  };
};
