// The deployment's settings: cdk.json context (or `-c key=value`) read once into a typed, checked object.
import {
  ACCOUNT_ID_PATTERN,
  DEFAULT_SECRET_PREFIX,
  EVENT_BUS_PATTERN,
} from '../lambda/commons/interface.js';
import { ContextError } from './errors.js';

/** Every context key with its default; cdk.json holds exactly these values (a test keeps them equal). */
export const contextDefaults = {
  stackName: 'MeetingTokenRevoker',
  codePath: 'dist',
  secretPrefix: DEFAULT_SECRET_PREFIX,
  secretTokenField: 'accessToken',
  secretsKmsKeyArn: '',
  meetingApiBaseUrl: 'https://api.meeting.huaweicloud.com',
  meetingAcceptLanguage: 'en-US',
  meetingTimeoutMs: 5000,
  meetingMaxAttempts: 3,
  meetingRetryBaseMs: 100,
  sweepConcurrency: 8,
  reservedConcurrency: 10,
  apiReservedConcurrency: 5,
  scheduleExpression: 'cron(0 2 * * ? *)',
  scheduleTimeZone: 'Etc/UTC',
  scheduleEnabled: true,
  offboardingEventBusName: 'default',
  offboardingEventSource: 'corp.identity',
  queueBatchSize: 10,
  queueMaxConcurrency: 5,
  apiThrottleRateLimit: 10,
  apiThrottleBurstLimit: 20,
  alarmEmail: '',
  logRetentionDays: 90,
  verifyRevocation: false,
  outcomeEventBusName: '',
  sdkTracing: false,
  terminationProtection: true,
  rotationAccounts: [] as readonly string[],
  rotationSchedule: 'rate(12 hours)',
  appCredentialsSecretName: '',
  rotationGraceSeconds: 300,
  secretUserIdField: 'userId',
} as const;

export type ContextKey = keyof typeof contextDefaults;

export interface RevokerConfig {
  readonly stackName: string;
  /** Directory holding the built handler.mjs, relative to the repository root unless absolute. */
  readonly codePath: string;
  readonly secretPrefix: string;
  readonly secretTokenField: string;
  /** Customer managed KMS key of the secrets; undefined: the AWS managed `aws/secretsmanager` key. */
  readonly secretsKmsKeyArn: string | undefined;
  readonly meetingApiBaseUrl: string;
  readonly meetingAcceptLanguage: 'en-US' | 'zh-CN';
  readonly meetingTimeoutMs: number;
  readonly meetingMaxAttempts: number;
  readonly meetingRetryBaseMs: number;
  readonly sweepConcurrency: number;
  /** The worker function's (schedule, offboarding, work queue); undefined: the unreserved pool. */
  readonly reservedConcurrency: number | undefined;
  /** The API function's own, so ops requests never wait behind a sweep; undefined: the unreserved pool. */
  readonly apiReservedConcurrency: number | undefined;
  readonly scheduleExpression: string;
  readonly scheduleTimeZone: string;
  readonly scheduleEnabled: boolean;
  readonly offboardingEventBusName: string;
  readonly offboardingEventSources: readonly string[];
  readonly queueBatchSize: number;
  readonly queueMaxConcurrency: number;
  readonly apiThrottleRateLimit: number;
  readonly apiThrottleBurstLimit: number;
  readonly alarmEmail: string | undefined;
  readonly logRetentionDays: number;
  /** Extension: check with Huawei's validate API that a REVOKED token is really dead. */
  readonly verifyRevocation: boolean;
  /**
   * Extension: the EventBridge bus, a name (same account and region) or an ARN, that
   * hears of every outcome; undefined: no events are published.
   */
  readonly outcomeEventBusName: string | undefined;
  /**
   * Powertools Tracer's X-Ray subsegment for every AWS call (POWERTOOLS_TRACE_ENABLED). Lambda's
   * own active tracing is always on; this adds detail at a cold-start and CPU cost.
   */
  readonly sdkTracing: boolean;
  /** CloudFormation termination protection: `cdk destroy` refuses until it is switched off. */
  readonly terminationProtection: boolean;
  /** Rotation of the listed accounts' secrets by the worker; undefined: no account rotates. */
  readonly rotation: RotationConfig | undefined;
}

export interface RotationConfig {
  /** Account ids whose secrets `${secretPrefix}<id>` rotate, each on its own schedule. */
  readonly accounts: readonly string[];
  /** A Secrets Manager schedule expression, `rate(...)` or `cron(...)`, in UTC. */
  readonly schedule: string;
  /** Name of the secret holding the Huawei App ID and App Key (`MEETING_APP_SECRET_ID`). */
  readonly appCredentialsSecretName: string;
  /** Delay between promoting a new token and revoking the old one (`ROTATION_GRACE_SECONDS`). */
  readonly graceSeconds: number;
  /** JSON key of the Huawei user id in an account secret (`SECRET_USER_ID_FIELD`). */
  readonly userIdField: string;
}

/** The account ids the function accepts. */
export const accountIdPattern = ACCOUNT_ID_PATTERN;

/** What Secrets Manager accepts as a secret name. */
const secretNamePattern = /^[A-Za-z0-9/_+=.@-]{1,512}$/;

/**
 * Secrets Manager's limits on a rotation schedule: `rate(N hours)` or `rate(N days)` from every
 * four hours to every 1000 days, or a six-field `cron(minutes hours day-of-month month
 * day-of-week year)`. Answers what is wrong, or undefined when the expression is acceptable.
 */
export const rotationScheduleProblem = (expression: string): string | undefined => {
  const rate = /^rate\((\d+) (hour|hours|day|days)\)$/.exec(expression);
  if (rate) {
    const value = Number(rate[1]);
    const hours = rate[2]?.startsWith('hour') ? value : value * 24;
    if (hours < 4) return 'Secrets Manager rotates at most every 4 hours';
    if (hours > 1000 * 24) return 'Secrets Manager rotates at least every 1000 days';
    return undefined;
  }
  const cron = /^cron\((.+)\)$/.exec(expression);
  if (cron) {
    const fields = (cron[1] ?? '').trim().split(/\s+/);
    if (fields.length !== 6) return `a cron() expression has 6 fields, got ${fields.length}`;
    if (!fields.every((field) => /^[0-9A-Za-z*?,/#L-]+$/.test(field))) {
      return 'a cron() field holds only digits, names and * ? , / - L #';
    }
    return undefined;
  }
  return 'expected rate(N hours), rate(N days) or cron(...)';
};

/** The retention periods CloudWatch Logs accepts. */
export const logRetentionChoices = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
] as const;

/** Reads the settings through `lookup` (e.g. `app.node.tryGetContext`), falling back to the defaults. */
export const readConfig = (lookup: (key: string) => unknown): RevokerConfig => {
  const raw = (key: ContextKey): unknown => {
    const value = lookup(key);
    return value === undefined || value === null ? contextDefaults[key] : value;
  };
  const text = (key: ContextKey): string => {
    const value = raw(key);
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new ContextError(key, `expected a string, got ${JSON.stringify(value)}`);
    }
    return String(value).trim();
  };
  const required = (key: ContextKey): string => {
    const value = text(key);
    if (value === '') throw new ContextError(key, 'must not be empty');
    return value;
  };
  const optional = (key: ContextKey): string | undefined => {
    const value = text(key);
    return value === '' ? undefined : value;
  };
  const integer = (key: ContextKey, min: number, max: number): number => {
    const value = raw(key);
    // `-c key=value` always gives a string, cdk.json a number: both are accepted.
    const parsed =
      typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
    if (typeof parsed !== 'number' || !Number.isInteger(parsed) || parsed < min || parsed > max) {
      throw new ContextError(
        key,
        `expected an integer from ${min} to ${max}, got ${JSON.stringify(value)}`,
      );
    }
    return parsed;
  };
  const flag = (key: ContextKey): boolean => {
    const value = raw(key);
    if (value === true || value === 'true') return true;
    if (value === false || value === 'false') return false;
    throw new ContextError(key, `expected true or false, got ${JSON.stringify(value)}`);
  };
  const matching = (key: ContextKey, pattern: RegExp, what: string): string => {
    const value = required(key);
    if (!pattern.test(value)) throw new ContextError(key, `expected ${what}, got "${value}"`);
    return value;
  };

  const secretPrefix = matching(
    'secretPrefix',
    /^[A-Za-z0-9/_+=.@-]{1,256}$/,
    'a secret name prefix (letters, digits and /_+=.@-)',
  );
  const secretsKmsKeyArn = optional('secretsKmsKeyArn');
  // IAM grants on KMS need the key ARN itself: an alias ARN would authorise nothing.
  if (
    secretsKmsKeyArn !== undefined &&
    !/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/.test(secretsKmsKeyArn)
  ) {
    throw new ContextError('secretsKmsKeyArn', `expected a KMS key ARN, got "${secretsKmsKeyArn}"`);
  }

  const meetingApiBaseUrl = required('meetingApiBaseUrl');
  let url: URL;
  try {
    url = new URL(meetingApiBaseUrl);
  } catch {
    throw new ContextError('meetingApiBaseUrl', `not a URL: "${meetingApiBaseUrl}"`);
  }
  // A deployed function only ever talks to Huawei over TLS; http:// is for local mode and tests.
  if (url.protocol !== 'https:') {
    throw new ContextError(
      'meetingApiBaseUrl',
      `must be an https:// URL, got "${meetingApiBaseUrl}"`,
    );
  }

  const meetingAcceptLanguage = required('meetingAcceptLanguage');
  if (meetingAcceptLanguage !== 'en-US' && meetingAcceptLanguage !== 'zh-CN') {
    throw new ContextError(
      'meetingAcceptLanguage',
      `expected en-US or zh-CN, got "${meetingAcceptLanguage}"`,
    );
  }

  const scheduleTimeZone = required('scheduleTimeZone');
  try {
    new Intl.DateTimeFormat('en', { timeZone: scheduleTimeZone });
  } catch {
    throw new ContextError('scheduleTimeZone', `not an IANA time zone: "${scheduleTimeZone}"`);
  }

  const reserved = (key: ContextKey, min: number): number | undefined => {
    const value = text(key);
    return value === 'none' || value === '' ? undefined : integer(key, min, 1000);
  };
  const reservedConcurrency = reserved('reservedConcurrency', 2);
  const apiReservedConcurrency = reserved('apiReservedConcurrency', 1);
  const queueMaxConcurrency = integer('queueMaxConcurrency', 2, 1000);
  // Pollers beyond the reserved concurrency would only be throttled and bounce messages back.
  if (reservedConcurrency !== undefined && queueMaxConcurrency > reservedConcurrency) {
    throw new ContextError(
      'queueMaxConcurrency',
      `${queueMaxConcurrency} exceeds reservedConcurrency ${reservedConcurrency}`,
    );
  }

  const sources = raw('offboardingEventSource');
  const offboardingEventSources = (
    Array.isArray(sources) ? sources : text('offboardingEventSource').split(',')
  )
    .map((source: unknown) => (typeof source === 'string' ? source.trim() : ''))
    .filter((source) => source !== '');
  if (offboardingEventSources.length === 0) {
    throw new ContextError('offboardingEventSource', 'name at least one event source');
  }

  const alarmEmail = optional('alarmEmail');
  if (alarmEmail !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(alarmEmail)) {
    throw new ContextError('alarmEmail', `not an e-mail address: "${alarmEmail}"`);
  }

  const outcomeEventBusName = optional('outcomeEventBusName');
  // The same rule as the function's own check of OUTCOME_EVENT_BUS_NAME, so a value the synth
  // accepts is never one the deployed function refuses at its first invocation.
  if (outcomeEventBusName !== undefined && !EVENT_BUS_PATTERN.test(outcomeEventBusName)) {
    throw new ContextError(
      'outcomeEventBusName',
      `expected an event bus name or ARN, got "${outcomeEventBusName}"`,
    );
  }

  const rotation = readRotation(raw, text, integer, secretPrefix);

  const logRetentionDays = integer('logRetentionDays', 1, 3653);
  if (!(logRetentionChoices as readonly number[]).includes(logRetentionDays)) {
    throw new ContextError('logRetentionDays', `expected one of ${logRetentionChoices.join(', ')}`);
  }

  return {
    stackName: matching(
      'stackName',
      /^[A-Za-z][A-Za-z0-9-]{0,127}$/,
      'a CloudFormation stack name',
    ),
    codePath: required('codePath'),
    secretPrefix,
    secretTokenField: required('secretTokenField'),
    secretsKmsKeyArn,
    meetingApiBaseUrl,
    meetingAcceptLanguage,
    // One attempt has to fit in the function's 29 s timeout with room to record the outcome.
    meetingTimeoutMs: integer('meetingTimeoutMs', 100, 25_000),
    meetingMaxAttempts: integer('meetingMaxAttempts', 1, 10),
    meetingRetryBaseMs: integer('meetingRetryBaseMs', 1, 2000),
    sweepConcurrency: integer('sweepConcurrency', 1, 64),
    reservedConcurrency,
    apiReservedConcurrency,
    scheduleExpression: matching(
      'scheduleExpression',
      /^(cron|rate|at)\(.+\)$/,
      'cron(...), rate(...) or at(...)',
    ),
    scheduleTimeZone,
    scheduleEnabled: flag('scheduleEnabled'),
    offboardingEventBusName: matching(
      'offboardingEventBusName',
      /^[A-Za-z0-9/._-]{1,256}$/,
      'an event bus name (not an ARN)',
    ),
    offboardingEventSources,
    queueBatchSize: integer('queueBatchSize', 1, 10),
    queueMaxConcurrency,
    apiThrottleRateLimit: integer('apiThrottleRateLimit', 1, 10_000),
    apiThrottleBurstLimit: integer('apiThrottleBurstLimit', 1, 5000),
    alarmEmail,
    logRetentionDays,
    verifyRevocation: flag('verifyRevocation'),
    outcomeEventBusName,
    sdkTracing: flag('sdkTracing'),
    terminationProtection: flag('terminationProtection'),
    rotation,
  };
};

/** The rotation keys: off without `rotationAccounts`, and then no other rotation key may ask for it. */
const readRotation = (
  raw: (key: ContextKey) => unknown,
  text: (key: ContextKey) => string,
  integer: (key: ContextKey, min: number, max: number) => number,
  secretPrefix: string,
): RotationConfig | undefined => {
  let listed = raw('rotationAccounts');
  // `-c rotationAccounts='["a","b"]'` gives a string, cdk.json a list.
  if (typeof listed === 'string') {
    try {
      listed = listed.trim() === '' ? [] : JSON.parse(listed);
    } catch {
      throw new ContextError(
        'rotationAccounts',
        `expected a JSON list of account ids, got ${listed}`,
      );
    }
  }
  if (!Array.isArray(listed)) {
    throw new ContextError(
      'rotationAccounts',
      `expected a JSON list of account ids, got ${JSON.stringify(listed)}`,
    );
  }
  const accounts: string[] = [];
  for (const account of listed as unknown[]) {
    if (typeof account !== 'string' || !accountIdPattern.test(account)) {
      throw new ContextError(
        'rotationAccounts',
        `${JSON.stringify(account)} is not an account id (${accountIdPattern.source})`,
      );
    }
    if (accounts.includes(account)) {
      throw new ContextError('rotationAccounts', `"${account}" is listed twice`);
    }
    accounts.push(account);
  }

  const appCredentialsSecretName = text('appCredentialsSecretName');
  const schedule = text('rotationSchedule');
  const scheduleProblem = rotationScheduleProblem(schedule);
  if (scheduleProblem !== undefined) {
    throw new ContextError('rotationSchedule', `${scheduleProblem}, got "${schedule}"`);
  }
  // SQS delays a message at most 15 minutes; the worker always has the work queue to delay it on.
  const graceSeconds = integer('rotationGraceSeconds', 0, 900);
  const userIdField = text('secretUserIdField');
  if (userIdField === '') throw new ContextError('secretUserIdField', 'must not be empty');

  if (accounts.length === 0) {
    // An App ID secret without accounts would read as rotation being on while nothing rotates.
    if (appCredentialsSecretName !== '') {
      throw new ContextError(
        'appCredentialsSecretName',
        'is set but rotationAccounts lists no account: nothing would rotate',
      );
    }
    return undefined;
  }
  if (appCredentialsSecretName === '') {
    throw new ContextError(
      'appCredentialsSecretName',
      'required when rotationAccounts lists accounts (the secret holding the App ID and App Key)',
    );
  }
  if (!secretNamePattern.test(appCredentialsSecretName)) {
    throw new ContextError(
      'appCredentialsSecretName',
      `expected a secret name (letters, digits and /_+=.@-), got "${appCredentialsSecretName}"`,
    );
  }
  // Under the prefix it would be swept and revoked as an account, and readable by the API function.
  if (appCredentialsSecretName.startsWith(secretPrefix)) {
    throw new ContextError(
      'appCredentialsSecretName',
      `must not be under secretPrefix "${secretPrefix}", where every secret is an account`,
    );
  }
  return { accounts, schedule, appCredentialsSecretName, graceSeconds, userIdField };
};

/**
 * Context keys that belong to the CDK itself rather than to this app: feature flags
 * (`@aws-cdk/...`), the CLI's own (`aws:cdk:...`, `aws-cdk:...`) and cached lookups
 * (`availability-zones:account=...`) all carry `@` or `:`; `cli-telemetry` is the one without.
 */
const isCdkKey = (key: string): boolean =>
  key.startsWith('@') || key.includes(':') || key === 'cli-telemetry';

/** Edit distance between two keys, case-insensitive: how far a typo is from a known key. */
const distance = (a: string, b: string): number => {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (x[i - 1] === y[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[y.length] ?? 0;
};

/** The known key closest to `key`. */
export const nearestKey = (key: string): ContextKey => {
  const known = Object.keys(contextDefaults) as ContextKey[];
  return known.reduce((best, candidate) =>
    distance(key, candidate) < distance(key, best) ? candidate : best,
  );
};

/**
 * Refuses any context key this app does not know, from cdk.json and `-c` alike: a mistyped key
 * would otherwise be ignored silently and the default used, and some defaults (the secret prefix)
 * decide what the function may read.
 */
export const checkContextKeys = (keys: Iterable<string>): void => {
  for (const key of keys) {
    if (isCdkKey(key) || Object.hasOwn(contextDefaults, key)) continue;
    throw new ContextError(key, `unknown setting; did you mean "${nearestKey(key)}"?`);
  }
};
