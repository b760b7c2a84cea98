// The deployment settings: cdk.json's defaults, `-c key=value` strings, and errors that name the key.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type ContextKey,
  checkContextKeys,
  contextDefaults,
  readConfig,
} from '../../infra/config.js';
import { ContextError } from '../../infra/errors.js';
import { cdkJsonContext } from './synthesize.js';

const read = (context: Partial<Record<ContextKey, unknown>>) =>
  readConfig((key) => context[key as ContextKey]);

const errorFor = (context: Partial<Record<ContextKey, unknown>>): ContextError => {
  try {
    read(context);
  } catch (error) {
    if (error instanceof ContextError) return error;
    throw error;
  }
  throw new Error('expected a ContextError');
};

describe('cdk.json', () => {
  it('lists every context key with the default the code falls back to', () => {
    // Prepare
    const documented = Object.fromEntries(
      Object.keys(contextDefaults).map((key) => [key, cdkJsonContext[key]]),
    );

    // Assess
    expect(documented).toEqual(contextDefaults);
    expect(cdkJsonContext['cli-telemetry']).toBe(false);
  });

  it('builds the bundle before running the app, with tsx since TypeScript 7 has no compiler API', () => {
    // Act
    const { app } = JSON.parse(
      readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8'),
    ) as {
      app: string;
    };

    // Assess
    expect(app).toBe('node scripts/build.mjs && npx tsx infra/app.ts');
  });

  it('documents every context key in infra/README.md', () => {
    // Prepare
    const readme = readFileSync(new URL('../../infra/README.md', import.meta.url), 'utf8');

    // Assess
    for (const key of Object.keys(contextDefaults)) expect(readme).toContain(`\`${key}\``);
  });
});

describe('readConfig', () => {
  it('falls back to the defaults', () => {
    // Act
    const config = read({});

    // Assess
    expect(config).toEqual({
      stackName: 'MeetingTokenRevoker',
      codePath: 'dist',
      secretPrefix: 'meeting/service-accounts/',
      secretTokenField: 'accessToken',
      secretsKmsKeyArn: undefined,
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
      offboardingEventSources: ['corp.identity'],
      queueBatchSize: 10,
      queueMaxConcurrency: 5,
      apiThrottleRateLimit: 10,
      apiThrottleBurstLimit: 20,
      alarmEmail: undefined,
      logRetentionDays: 90,
      verifyRevocation: false,
      outcomeEventBusName: undefined,
      sdkTracing: false,
      terminationProtection: true,
    });
  });

  it('accepts the strings `-c key=value` gives', () => {
    // Act
    const config = read({
      meetingTimeoutMs: '3000',
      reservedConcurrency: 'none',
      scheduleEnabled: 'false',
      offboardingEventSource: 'hr.workday, corp.identity',
      alarmEmail: 'oncall@example.com',
      secretsKmsKeyArn:
        'arn:aws-cn:kms:cn-north-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      meetingApiBaseUrl: 'https://api-intl.meeting.huaweicloud.com',
      meetingAcceptLanguage: 'zh-CN',
      scheduleTimeZone: 'Asia/Shanghai',
      logRetentionDays: '365',
      verifyRevocation: 'true',
      outcomeEventBusName: ' revocation-outcomes ',
      sdkTracing: 'true',
    });

    // Assess
    expect(config).toMatchObject({
      meetingTimeoutMs: 3000,
      reservedConcurrency: undefined,
      scheduleEnabled: false,
      offboardingEventSources: ['hr.workday', 'corp.identity'],
      alarmEmail: 'oncall@example.com',
      secretsKmsKeyArn:
        'arn:aws-cn:kms:cn-north-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      meetingApiBaseUrl: 'https://api-intl.meeting.huaweicloud.com',
      meetingAcceptLanguage: 'zh-CN',
      scheduleTimeZone: 'Asia/Shanghai',
      logRetentionDays: 365,
      verifyRevocation: true,
      outcomeEventBusName: 'revocation-outcomes',
      sdkTracing: true,
    });
  });

  it.each([
    'default',
    'arn:aws:events:eu-west-1:210987654321:event-bus/central-outcomes',
    'arn:aws-cn:events:cn-north-1:123456789012:event-bus/default',
  ])('accepts the outcome event bus %s', (bus) => {
    // Act
    const config = read({ outcomeEventBusName: bus });

    // Assess
    expect(config.outcomeEventBusName).toBe(bus);
  });

  it('accepts a JSON array of event sources from cdk.json', () => {
    // Act
    const config = read({ offboardingEventSource: ['hr.workday', 'corp.identity'] });

    // Assess
    expect(config.offboardingEventSources).toEqual(['hr.workday', 'corp.identity']);
  });

  it.each<[Partial<Record<ContextKey, unknown>>, ContextKey, string]>([
    [{ secretPrefix: '' }, 'secretPrefix', 'must not be empty'],
    [{ secretPrefix: 'meeting/*' }, 'secretPrefix', 'secret name prefix'],
    [
      { secretsKmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:alias/secrets' },
      'secretsKmsKeyArn',
      'KMS key ARN',
    ],
    [{ meetingApiBaseUrl: 'http://api.meeting.huaweicloud.com' }, 'meetingApiBaseUrl', 'https://'],
    [{ meetingApiBaseUrl: 'not a url' }, 'meetingApiBaseUrl', 'not a URL'],
    [{ meetingAcceptLanguage: 'fr-FR' }, 'meetingAcceptLanguage', 'en-US or zh-CN'],
    [{ meetingTimeoutMs: '5s' }, 'meetingTimeoutMs', 'integer'],
    [{ meetingTimeoutMs: 60_000 }, 'meetingTimeoutMs', 'from 100 to 25000'],
    [{ meetingMaxAttempts: 0 }, 'meetingMaxAttempts', 'from 1 to 10'],
    [{ sweepConcurrency: 2.5 }, 'sweepConcurrency', 'integer'],
    [{ reservedConcurrency: 1 }, 'reservedConcurrency', 'from 2 to 1000'],
    [{ queueMaxConcurrency: 20 }, 'queueMaxConcurrency', 'exceeds reservedConcurrency 10'],
    [{ queueMaxConcurrency: 1 }, 'queueMaxConcurrency', 'from 2 to 1000'],
    [{ queueBatchSize: 11 }, 'queueBatchSize', 'from 1 to 10'],
    [{ scheduleExpression: '0 2 * * *' }, 'scheduleExpression', 'cron(...)'],
    [{ scheduleTimeZone: 'Mars/Olympus' }, 'scheduleTimeZone', 'IANA time zone'],
    [{ scheduleEnabled: 'yes' }, 'scheduleEnabled', 'true or false'],
    [
      { offboardingEventBusName: 'arn:aws:events:eu-west-1:123456789012:event-bus/hr' },
      'offboardingEventBusName',
      'not an ARN',
    ],
    [{ offboardingEventSource: ' , ' }, 'offboardingEventSource', 'at least one'],
    [{ alarmEmail: 'oncall' }, 'alarmEmail', 'e-mail'],
    [{ logRetentionDays: 100 }, 'logRetentionDays', 'one of 1, 3, 5'],
    [{ stackName: 'meeting token revoker' }, 'stackName', 'stack name'],
    [{ verifyRevocation: 'on' }, 'verifyRevocation', 'true or false'],
    [{ outcomeEventBusName: 'my bus' }, 'outcomeEventBusName', 'event bus name or ARN'],
    [
      { outcomeEventBusName: 'arn:aws:sns:eu-west-1:123456789012:topic' },
      'outcomeEventBusName',
      'event bus name or ARN',
    ],
    [{ secretTokenField: { nested: true } }, 'secretTokenField', 'expected a string'],
  ])('rejects %j, naming %s', (context, key, message) => {
    // Act
    const error = errorFor(context);

    // Assess
    expect(error.key).toBe(key);
    expect(error.message).toContain(`context "${key}"`);
    expect(error.message).toContain(message);
  });
});

describe('checkContextKeys', () => {
  it("accepts cdk.json's keys, CDK's feature flags and the CLI's own keys", () => {
    // Act, Assess
    expect(() =>
      checkContextKeys([
        ...Object.keys(cdkJsonContext),
        'aws:cdk:enable-path-metadata',
        'aws-cdk:enableDiffNoFail',
        'availability-zones:account=123456789012:region=eu-west-1',
      ]),
    ).not.toThrow();
  });

  it.each([
    ['secretPrefx', 'secretPrefix'],
    ['SecretPrefix', 'secretPrefix'],
    ['reservedconcurrency', 'reservedConcurrency'],
    ['apiReservedConcurency', 'apiReservedConcurrency'],
    ['alarmMail', 'alarmEmail'],
    ['terminationProtect', 'terminationProtection'],
  ])('refuses the unknown key %s, naming %s', (typo, nearest) => {
    // Act
    let error: unknown;
    try {
      checkContextKeys(['stackName', typo]);
    } catch (caught) {
      error = caught;
    }

    // Assess
    expect(error).toBeInstanceOf(ContextError);
    expect((error as ContextError).key).toBe(typo);
    expect((error as ContextError).message).toContain(`did you mean "${nearest}"`);
  });
});
