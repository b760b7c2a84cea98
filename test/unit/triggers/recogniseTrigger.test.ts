import { describe, expect, it } from 'vitest';
import { UnknownEventError } from '../../../lambda/commons/errors.js';
import { recogniseTrigger } from '../../../lambda/triggers/recogniseTrigger.js';

describe('recogniseTrigger', () => {
  it('recognises an HTTP API request', () => {
    const event = {
      version: '2.0',
      rawPath: '/revocations',
      requestContext: { http: { method: 'POST' } },
    };
    expect(recogniseTrigger(event)).toBe('http');
  });

  it('recognises an offboarding event', () => {
    const event = { id: '1', source: 'idp', 'detail-type': 'Account Offboarded', detail: {} };
    expect(recogniseTrigger(event)).toBe('offboarding');
  });

  it('recognises the Scheduler input and the classic scheduled event', () => {
    expect(recogniseTrigger({ action: 'sweep', scheduledTime: 't', executionId: 'e' })).toBe(
      'schedule',
    );
    expect(recogniseTrigger({ source: 'aws.events', 'detail-type': 'Scheduled Event' })).toBe(
      'schedule',
    );
  });

  it('recognises an SQS batch', () => {
    expect(recogniseTrigger({ Records: [{ eventSource: 'aws:sqs', body: '{}' }] })).toBe('queue');
  });

  it('recognises a Secrets Manager rotation step, extra fields included', () => {
    const event = {
      SecretId:
        'arn:aws:secretsmanager:eu-west-1:123456789012:secret:meeting/service-accounts/a-AbCdEf',
      ClientRequestToken: '6c3b1d2e-0f4a-4b5c-8d7e-9f0a1b2c3d4e',
      Step: 'createSecret',
      RotationToken: 'opaque',
    };
    expect(recogniseTrigger(event)).toBe('rotation');
  });

  it.each([
    ['null', null],
    ['a rotation step without its version', { SecretId: 's', Step: 'createSecret' }],
    ['a string', 'sweep'],
    ['an empty object', {}],
    [
      'another EventBridge event',
      { source: 'aws.ec2', 'detail-type': 'EC2 Instance State-change' },
    ],
    ['an SNS batch', { Records: [{ EventSource: 'aws:sns' }] }],
    ['an empty batch', { Records: [] }],
    ['a sweep with another action', { action: 'purge' }],
  ])('fails loudly for %s', (_name, event) => {
    expect(() => recogniseTrigger(event)).toThrow(UnknownEventError);
  });
});
