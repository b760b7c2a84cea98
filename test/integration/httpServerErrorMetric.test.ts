// Every 5xx answer of the HTTP API is counted as `HttpServerError` (trigger api), through the built
// bundle: an EMF line on stdout, which CloudWatch turns into the metric the API function's errors
// alarm adds to Lambda's Errors.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { httpEvent } from '../support/events.js';
import { type Harness, newToken, OUTCOME_TABLE, startHarness } from '../support/harness.js';

interface EmfLine {
  _aws: {
    CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[];
  };
  [key: string]: unknown;
}

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});
beforeEach(async () => {
  await h.reset();
});

/** The EMF lines written so far that carry `metricName`. */
const emfLines = (metricName: string): EmfLine[] =>
  h.logs
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as EmfLine)
    .filter((line) =>
      line._aws.CloudWatchMetrics.some((d) => d.Metrics.some((m) => m.Name === metricName)),
    );

const post = (body: object) =>
  h.invoke<{ statusCode: number; body: string }>(
    httpEvent({
      method: 'POST',
      path: '/revocations',
      body,
      userArn: 'arn:aws:iam::123456789012:role/ops-tooling',
      headers: { 'content-type': 'application/json' },
    }),
  );

describe('the HttpServerError metric', () => {
  it('is written once, with the error code as a property, for a CONFIGURATION_ERROR answer', async () => {
    // Prepare: a setting the function refuses, and an account that would otherwise be revoked.
    const token = newToken();
    h.addAccount('svc-metric', token);
    const saved = process.env['MEETING_API_BASE_URL'];
    process.env['MEETING_API_BASE_URL'] = 'http://meeting.example.com';
    let response: { statusCode: number; body: string };
    try {
      // Act
      response = await post({ accountId: 'svc-metric' });
    } finally {
      process.env['MEETING_API_BASE_URL'] = saved;
    }

    // Assess
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'CONFIGURATION_ERROR' } });
    const lines = emfLines('HttpServerError');
    expect(lines).toHaveLength(1);
    const [line] = lines;
    expect(line?._aws.CloudWatchMetrics[0]?.Namespace).toBe('MeetingTokenRevoker');
    // The code is a property, not a dimension: the alarm reads one series per service and trigger.
    expect(line?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([['service', 'trigger']]);
    expect(line).toMatchObject({
      service: 'meeting-token-revoker',
      trigger: 'api',
      HttpServerError: 1,
      errorCode: 'CONFIGURATION_ERROR',
    });
    expect(h.meeting.requests).toHaveLength(0);
    expect(h.logs.join('')).not.toContain(token);
  });

  it('is written for a revocation answered 503 FAILED, with the outcome as its code', async () => {
    // Prepare: Huawei answers 500 to every attempt.
    const token = newToken();
    h.addAccount('svc-failing', token);
    h.meeting.script(token, { status: 500 });

    // Act
    const response = await post({ accountId: 'svc-failing' });

    // Assess
    expect(response.statusCode).toBe(503);
    expect(emfLines('HttpServerError')).toEqual([
      expect.objectContaining({ HttpServerError: 1, errorCode: 'FAILED', trigger: 'api' }),
    ]);
    expect(h.logs.join('')).not.toContain(token);
  });

  it('is written for an outcome that could not be recorded (500 OUTCOME_NOT_RECORDED)', async () => {
    // Prepare: the outcome table is gone, so the record cannot be written.
    h.addAccount('svc-norecord', newToken());
    await h.dynamo.deleteTable(OUTCOME_TABLE);

    // Act
    const response = await post({ accountId: 'svc-norecord' });

    // Assess
    expect(response.statusCode).toBe(500);
    expect(emfLines('HttpServerError')).toEqual([
      expect.objectContaining({ HttpServerError: 1, errorCode: 'OUTCOME_NOT_RECORDED' }),
    ]);
  });

  it('is not written for a 4xx answer or a 200', async () => {
    // Prepare
    h.addAccount('svc-fine', newToken());

    // Act
    const refused = await post({ accountId: 'not valid!' });
    const revoked = await post({ accountId: 'svc-fine' });

    // Assess
    expect(refused.statusCode).toBe(400);
    expect(revoked.statusCode).toBe(200);
    expect(emfLines('HttpServerError')).toEqual([]);
  });
});
