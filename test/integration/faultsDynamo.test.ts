// DynamoDB faults (throttling, 5xx, resets, a lost answer) injected by a proxy in front of dynalite,
// through the built bundle and every trigger: an outcome is only ever reported once it is recorded.
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { httpEvent, offboardingEvent, scheduleEvent, sqsEvent } from '../support/events.js';
import {
  type Fault,
  FaultProxy,
  internalError,
  throttled,
  unavailable,
} from '../support/FaultProxy.js';
import { type Harness, IDEMPOTENCY_TABLE, newToken, startHarness } from '../support/harness.js';
import { allRecords, recordsOf } from '../support/records.js';

const PUT_ITEM = 'DynamoDB_20120810.PutItem';
const GET_ITEM = 'DynamoDB_20120810.GetItem';
/** The outcome record's PutItem, as opposed to the revoked-version marker's. */
const isRecord = (body: string) => body.includes('"outcome"');
const isMarker = (body: string) => body.includes('"revokedBy"');
const isIdempotency = (body: string) => body.includes(`"${IDEMPOTENCY_TABLE}"`);

let h: Harness;
let proxy: FaultProxy;

type Response = APIGatewayProxyStructuredResultV2 & {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
};

const post = async (accountId: string, headers: Record<string, string> = {}) => {
  const response = (await h.invoke(
    httpEvent({ method: 'POST', path: '/revocations', body: { accountId }, headers }),
  )) as Response;
  return { ...response, json: JSON.parse(response.body) as Record<string, unknown> };
};

const failRecordWrites = (fault: Fault, times?: number) =>
  proxy.inject({ target: PUT_ITEM, when: isRecord, fault, ...(times ? { times } : {}) });
/** Offboarding and the sweep write their records in batches. */
const BATCH_WRITE = 'DynamoDB_20120810.BatchWriteItem';
const failBatchWrites = (fault: Fault, times?: number) =>
  proxy.inject({ target: BATCH_WRITE, when: isRecord, fault, ...(times ? { times } : {}) });

beforeAll(async () => {
  h = await startHarness();
});
beforeEach(async () => {
  await h.reset();
  delete process.env['IDEMPOTENCY_TABLE_NAME'];
  // A fresh proxy per test means a fresh port, so the function builds new SDK clients: the SDK's
  // retry budget, which persistent faults drain, never leaks from one test into the next.
  proxy = await FaultProxy.start(h.dynamo.endpoint);
  process.env['AWS_ENDPOINT_URL_DYNAMODB'] = proxy.endpoint;
});
afterEach(async () => {
  process.env['AWS_ENDPOINT_URL_DYNAMODB'] = h.dynamo.endpoint;
  await proxy.stop();
});
afterAll(async () => {
  await h.stop();
});

describe('DynamoDB throttling and 5xx on the outcome record (HTTP)', () => {
  it.each([
    ['a ProvisionedThroughputExceededException', throttled()],
    ['a 500 InternalServerError', internalError()],
    ['a 503', unavailable()],
    ['a connection reset', { kind: 'reset' } as Fault],
  ])(
    'retries the record write after %s and answers 200 with the record written',
    async (_name, fault) => {
      // Prepare
      const t = newToken();
      h.addAccount('svc-blip', t);
      failRecordWrites(fault, 1);
      // Act
      const response = await post('svc-blip');
      // Assess
      expect(response.statusCode).toBe(200);
      expect(response.json['outcome']).toBe('REVOKED');
      expect(proxy.requestsFor(PUT_ITEM, isRecord).length).toBeGreaterThanOrEqual(2);
      const records = await recordsOf(h, 'svc-blip');
      expect(records).toEqual([
        expect.objectContaining({ outcome: 'REVOKED', requestId: response.json['requestId'] }),
      ]);
      expect(h.meeting.callsFor(t)).toHaveLength(1);
    },
  );

  it('abandons a record write stalled on a silent connection and retries it', async () => {
    // Prepare
    h.addAccount('svc-stall', newToken());
    failRecordWrites({ kind: 'hang' }, 1);
    // Act
    const response = await post('svc-stall');
    // Assess: the stalled write was given up on and written again, not waited out
    expect(response.statusCode).toBe(200);
    expect(proxy.requestsFor(PUT_ITEM, isRecord).map((r) => r.fault)).toEqual(['hang', undefined]);
    expect(await recordsOf(h, 'svc-stall')).toHaveLength(1);
  });

  it('answers 500 OUTCOME_NOT_RECORDED, never 2xx, when the record write keeps failing', async () => {
    // Prepare
    const t = newToken();
    h.addAccount('svc-down', t);
    failRecordWrites(internalError());
    // Act
    const response = await post('svc-down');
    // Assess: the SDK tried six times, then the caller is told to retry
    expect(response.statusCode).toBe(500);
    expect(response.json).toEqual({
      error: { code: 'OUTCOME_NOT_RECORDED', message: expect.any(String) },
    });
    expect(response.headers['X-Request-ID']).toMatch(/^[0-9a-f-]{36}$/);
    expect(proxy.requestsFor(PUT_ITEM, isRecord)).toHaveLength(6);
    expect(await recordsOf(h, 'svc-down')).toHaveLength(0);
  });

  it('answers 500 OUTCOME_NOT_RECORDED for a persistent throttle too, and a retry then succeeds', async () => {
    // Prepare: zero jitter keeps the SDK's throttling backoff (1 s base, doubling) out of the test
    const t = newToken();
    h.addAccount('svc-hot', t);
    failRecordWrites(throttled(), 6);
    const random = Math.random;
    Math.random = () => 0;
    let first: Awaited<ReturnType<typeof post>>;
    try {
      // Act
      first = await post('svc-hot');
    } finally {
      Math.random = random;
    }
    const retry = await post('svc-hot');
    // Assess: the token died in the first call; with no record of that, the retry must not claim
    // ALREADY_REVOKED (no REVOKED record exists) but learn it upstream and record ALREADY_INVALID
    expect(first.statusCode).toBe(500);
    expect(first.json).toMatchObject({ error: { code: 'OUTCOME_NOT_RECORDED' } });
    expect(retry.statusCode).toBe(200);
    expect(retry.json).toMatchObject({ outcome: 'ALREADY_INVALID', upstreamStatus: 401 });
    expect(h.meeting.callsFor(t)).toHaveLength(2);
    expect(await recordsOf(h, 'svc-hot')).toEqual([
      expect.objectContaining({ outcome: 'ALREADY_INVALID' }),
    ]);
  });

  it('records once and answers 200 when DynamoDB wrote the record but its answer was lost', async () => {
    // Prepare: the first record PutItem reaches dynalite, then the proxy answers 500
    h.addAccount('svc-lost', newToken());
    failRecordWrites({ kind: 'lostAnswer' }, 1);
    // Act
    const response = await post('svc-lost');
    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.json['outcome']).toBe('REVOKED');
    expect(await recordsOf(h, 'svc-lost')).toEqual([
      expect.objectContaining({ outcome: 'REVOKED', requestId: response.json['requestId'] }),
    ]);
  });

  it('makes no upstream call when the revoked-version lookup cannot be made', async () => {
    // Prepare
    const t = newToken();
    h.addAccount('svc-blind', t);
    proxy.inject({ target: GET_ITEM, fault: unavailable() });
    // Act
    const response = await post('svc-blind');
    // Assess
    expect(response.statusCode).toBe(500);
    expect(response.json).toMatchObject({ error: { code: 'OUTCOME_NOT_RECORDED' } });
    expect(h.meeting.callsFor(t)).toHaveLength(0);
    expect(h.meeting.isLive(t)).toBe(true);
  });

  it('answers 200 when only the marker is lost; the next call learns the token is dead upstream', async () => {
    // Prepare
    const t = newToken();
    h.addAccount('svc-nomark', t);
    proxy.inject({ target: PUT_ITEM, when: isMarker, fault: internalError() });
    // Act
    const first = await post('svc-nomark');
    proxy.clear();
    const second = await post('svc-nomark');
    // Assess
    expect(first.statusCode).toBe(200);
    expect(first.json['outcome']).toBe('REVOKED');
    expect(h.logs.join('\n')).toContain('could not write the revoked-version marker');
    expect(second.statusCode).toBe(200);
    expect(second.json).toMatchObject({ outcome: 'ALREADY_INVALID', upstreamStatus: 401 });
    expect((await recordsOf(h, 'svc-nomark')).map((r) => r['outcome']).sort()).toEqual([
      'ALREADY_INVALID',
      'REVOKED',
    ]);
  });
});

describe('DynamoDB faults on the idempotency table (HTTP with Idempotency-Key)', () => {
  it('revokes without de-duplicating, and says so, when the in-progress key cannot be written', async () => {
    // Prepare
    process.env['IDEMPOTENCY_TABLE_NAME'] = IDEMPOTENCY_TABLE;
    const t = newToken();
    h.addAccount('svc-idem-down', t);
    proxy.inject({ target: PUT_ITEM, when: isIdempotency, fault: internalError() });
    // Act
    const response = await post('svc-idem-down', { 'Idempotency-Key': 'k-down' });
    const again = await post('svc-idem-down', { 'Idempotency-Key': 'k-down' });
    // Assess: the token dies; the repeat is caught by the revoked-version marker instead
    expect(response.statusCode).toBe(200);
    expect(response.json).toMatchObject({ outcome: 'REVOKED' });
    expect(again.json).toMatchObject({ outcome: 'ALREADY_REVOKED' });
    expect(h.meeting.callsFor(t)).toHaveLength(1);
    expect(await recordsOf(h, 'svc-idem-down')).toHaveLength(2);
    expect(h.logs.join('')).toContain('idempotency table unusable; going on without it');
  });

  it('retries a throttled in-progress write and revokes once', async () => {
    // Prepare
    process.env['IDEMPOTENCY_TABLE_NAME'] = IDEMPOTENCY_TABLE;
    const t = newToken();
    h.addAccount('svc-idem-hot', t);
    proxy.inject({ target: PUT_ITEM, when: isIdempotency, fault: throttled(), times: 1 });
    // Act
    const first = await post('svc-idem-hot', { 'Idempotency-Key': 'k-hot' });
    const again = await post('svc-idem-hot', { 'Idempotency-Key': 'k-hot' });
    // Assess
    expect(first.statusCode).toBe(200);
    expect(again.json).toEqual(first.json);
    expect(h.meeting.callsFor(t)).toHaveLength(1);
  });
});

describe('DynamoDB faults under the event triggers', () => {
  it('offboarding: a transient throttle is retried and the summary counts the recorded outcome', async () => {
    // Prepare
    h.addAccount('leaver-hot', newToken());
    failBatchWrites(throttled(), 1);
    // Act
    const summary = await h.invoke(offboardingEvent({ accountId: 'leaver-hot' }));
    // Assess
    expect(summary).toEqual({ processed: 1, outcomes: { REVOKED: 1 } });
    expect(await recordsOf(h, 'leaver-hot')).toHaveLength(1);
    expect(proxy.requestsFor(BATCH_WRITE, isRecord).map((r) => r.fault)).toContain('error');
  });

  it('offboarding: throws, naming the account as unrecorded, when the record cannot be written', async () => {
    // Prepare
    h.addAccount('leaver-ok', newToken());
    h.addAccount('leaver-lost', newToken());
    failBatchWrites(unavailable());
    // Act
    const act = h.invoke(offboardingEvent({ accountIds: ['leaver-ok', 'leaver-lost'] }));
    // Assess: never a success summary without the records
    await expect(act).rejects.toThrow(/unrecorded 2.*leaver-(ok|lost), leaver-(ok|lost)/);
    expect(await allRecords(h)).toHaveLength(0);
    expect(proxy.requestsFor(BATCH_WRITE, isRecord).length).toBeGreaterThan(0);
  });

  it('work queue: lists exactly the message whose record could not be written', async () => {
    // Prepare
    h.addAccount('q-fine', newToken());
    h.addAccount('q-lost', newToken());
    proxy.inject({
      target: PUT_ITEM,
      when: (body) => isRecord(body) && body.includes('"q-lost"'),
      fault: internalError(),
    });
    const body = (accountId: string) => ({
      accountId,
      trigger: 'schedule',
      requestId: randomUUID(),
    });
    // Act
    const answer = await h.invoke(
      sqsEvent([
        { messageId: 'm-fine', body: body('q-fine') },
        { messageId: 'm-lost', body: body('q-lost') },
      ]),
    );
    // Assess
    expect(answer).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-lost' }] });
    expect(await recordsOf(h, 'q-fine')).toHaveLength(1);
    expect(await recordsOf(h, 'q-lost')).toHaveLength(0);
  });

  it('work queue: a throttled record write is retried and the message succeeds', async () => {
    h.addAccount('q-hot', newToken());
    failRecordWrites(throttled(), 1);
    const answer = await h.invoke(
      sqsEvent([{ messageId: 'm-hot', body: { accountId: 'q-hot', trigger: 'offboarding' } }]),
    );
    expect(answer).toEqual({ batchItemFailures: [] });
    expect(await recordsOf(h, 'q-hot')).toHaveLength(1);
  });

  it('sweep: throws after the others are recorded when one record cannot be written', async () => {
    // Prepare
    for (const id of ['sw-1', 'sw-2', 'sw-3']) h.addAccount(id, newToken());
    // The three records go out in one batch: DynamoDB refuses sw-2's every time.
    proxy.inject({
      target: BATCH_WRITE,
      fault: { kind: 'refuse', item: (item) => item['accountId'] === 'sw-2' && 'outcome' in item },
    });
    // Act
    const act = h.invoke(scheduleEvent());
    // Assess
    await expect(act).rejects.toThrow(/unrecorded 1.*sw-2/);
    expect((await allRecords(h)).map((r) => r['accountId']).sort()).toEqual(['sw-1', 'sw-3']);
  });
});
