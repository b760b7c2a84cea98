import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../lambda/commons/errors.js';
import { parseConfig } from '../../../lambda/composition/config.js';

const minimal = { OUTCOME_TABLE_NAME: 'outcomes' };

describe('parseConfig', () => {
  it('applies the documented defaults', () => {
    // Act
    const config = parseConfig(minimal);
    // Assess
    expect(config).toEqual({
      meetingApiBaseUrl: 'https://api.meeting.huaweicloud.com',
      acceptLanguage: 'en-US',
      timeoutMs: 5000,
      maxAttempts: 3,
      retryBaseMs: 100,
      secretPrefix: 'meeting/service-accounts/',
      secretTokenField: 'accessToken',
      outcomeTableName: 'outcomes',
      idempotencyTableName: undefined,
      workQueueUrl: undefined,
      sweepConcurrency: 8,
      verifyRevocation: false,
      outcomeEventBusName: undefined,
      meetingAppSecretId: undefined,
      secretUserIdField: 'userId',
      rotationGraceSeconds: 0,
    });
  });

  it('reads the rotation settings', () => {
    const config = parseConfig({
      ...minimal,
      MEETING_APP_SECRET_ID: 'meeting/app',
      SECRET_USER_ID_FIELD: 'huaweiUserId',
      ROTATION_GRACE_SECONDS: '900',
    });
    expect(config).toMatchObject({
      meetingAppSecretId: 'meeting/app',
      secretUserIdField: 'huaweiUserId',
      rotationGraceSeconds: 900,
    });
  });

  it('reads every variable', () => {
    const config = parseConfig({
      MEETING_API_BASE_URL: 'https://api-intl.meeting.huaweicloud.com/',
      MEETING_ACCEPT_LANGUAGE: 'zh-CN',
      MEETING_TIMEOUT_MS: '2500',
      MEETING_MAX_ATTEMPTS: '5',
      MEETING_RETRY_BASE_MS: '0',
      SECRET_PREFIX: 'prod/meeting/',
      SECRET_TOKEN_FIELD: 'token',
      OUTCOME_TABLE_NAME: 'outcomes',
      IDEMPOTENCY_TABLE_NAME: 'idem',
      WORK_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/work',
      SWEEP_CONCURRENCY: '16',
      VERIFY_REVOCATION: 'TRUE',
      OUTCOME_EVENT_BUS_NAME: 'arn:aws:events:eu-west-1:123456789012:event-bus/security',
    });
    expect(config).toMatchObject({
      meetingApiBaseUrl: 'https://api-intl.meeting.huaweicloud.com',
      acceptLanguage: 'zh-CN',
      timeoutMs: 2500,
      maxAttempts: 5,
      retryBaseMs: 0,
      secretPrefix: 'prod/meeting/',
      secretTokenField: 'token',
      idempotencyTableName: 'idem',
      workQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/work',
      sweepConcurrency: 16,
      verifyRevocation: true,
      outcomeEventBusName: 'arn:aws:events:eu-west-1:123456789012:event-bus/security',
    });
  });

  it.each([
    [{}, 'OUTCOME_TABLE_NAME'],
    [{ OUTCOME_TABLE_NAME: '' }, 'OUTCOME_TABLE_NAME'],
    [{ OUTCOME_TABLE_NAME: 'x' }, 'OUTCOME_TABLE_NAME'],
    [{ ...minimal, IDEMPOTENCY_TABLE_NAME: 'bad name!' }, 'IDEMPOTENCY_TABLE_NAME'],
    [{ ...minimal, MEETING_API_BASE_URL: 'http://example.com' }, 'MEETING_API_BASE_URL'],
    [{ ...minimal, MEETING_API_BASE_URL: 'nonsense' }, 'MEETING_API_BASE_URL'],
    [{ ...minimal, MEETING_ACCEPT_LANGUAGE: 'fr-FR' }, 'MEETING_ACCEPT_LANGUAGE'],
    [{ ...minimal, MEETING_TIMEOUT_MS: 'fast' }, 'MEETING_TIMEOUT_MS'],
    [{ ...minimal, MEETING_TIMEOUT_MS: '0' }, 'MEETING_TIMEOUT_MS'],
    [{ ...minimal, MEETING_MAX_ATTEMPTS: '0' }, 'MEETING_MAX_ATTEMPTS'],
    [{ ...minimal, MEETING_MAX_ATTEMPTS: '2.5' }, 'MEETING_MAX_ATTEMPTS'],
    [{ ...minimal, MEETING_RETRY_BASE_MS: '-1' }, 'MEETING_RETRY_BASE_MS'],
    [{ ...minimal, SWEEP_CONCURRENCY: '0' }, 'SWEEP_CONCURRENCY'],
    [{ ...minimal, SWEEP_CONCURRENCY: '100000' }, 'SWEEP_CONCURRENCY'],
    [{ ...minimal, WORK_QUEUE_URL: 'queue' }, 'WORK_QUEUE_URL'],
    [{ ...minimal, VERIFY_REVOCATION: 'yes' }, 'VERIFY_REVOCATION'],
    [{ ...minimal, OUTCOME_EVENT_BUS_NAME: 'bad bus name' }, 'OUTCOME_EVENT_BUS_NAME'],
    [{ ...minimal, ROTATION_GRACE_SECONDS: '901' }, 'ROTATION_GRACE_SECONDS'],
    [{ ...minimal, ROTATION_GRACE_SECONDS: '-1' }, 'ROTATION_GRACE_SECONDS'],
    [{ ...minimal, MEETING_APP_SECRET_ID: 'app secret!' }, 'MEETING_APP_SECRET_ID'],
  ])('refuses %o with an error naming %s', (env, variable) => {
    // Act
    const act = () => parseConfig(env);
    // Assess
    expect(act).toThrow(ConfigurationError);
    expect(act).toThrow(new RegExp(`^${variable}: `));
  });
});
