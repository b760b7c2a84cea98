// The work queue (docs/INTERFACE.md): the SQS work queue consumer of the built bundle, against local stand-ins.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sqsEvent } from '../support/events.js';
import { type Harness, newToken, OUTCOME_TABLE, startHarness } from '../support/harness.js';
import { recordsOf } from '../support/records.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
beforeEach(async () => {
  await h.reset();
});
afterAll(async () => {
  await h.stop();
});

const message = (accountId: string, messageId: string, extra: object = {}) => ({
  messageId,
  body: { accountId, trigger: 'schedule', requestId: crypto.randomUUID(), ...extra },
});

describe('work queue', () => {
  it('lists exactly the messages whose revocation FAILED or that are not work messages', async () => {
    // Prepare
    h.addAccount('q-ok', newToken());
    const down = newToken();
    h.addAccount('q-down', down);
    h.meeting.script(down, { status: 502 });
    const event = sqsEvent([
      message('q-ok', 'm-ok'),
      message('q-down', 'm-down'),
      message('q-missing', 'm-missing'),
      { messageId: 'm-garbage', body: 'not json' },
      { messageId: 'm-invalid', body: { accountId: '../x', trigger: 'schedule' } },
    ]);
    // Act
    const answer = await h.invoke(event);
    // Assess
    expect(answer).toEqual({
      batchItemFailures: expect.arrayContaining([
        { itemIdentifier: 'm-down' },
        { itemIdentifier: 'm-garbage' },
        { itemIdentifier: 'm-invalid' },
      ]),
    });
    expect((answer as { batchItemFailures: unknown[] }).batchItemFailures).toHaveLength(3);
    expect(await recordsOf(h, 'q-ok')).toEqual([expect.objectContaining({ outcome: 'REVOKED' })]);
    expect(await recordsOf(h, 'q-down')).toEqual([expect.objectContaining({ outcome: 'FAILED' })]);
    expect(await recordsOf(h, 'q-missing')).toEqual([
      expect.objectContaining({ outcome: 'NOT_FOUND' }),
    ]);
  });

  it('answers an empty list when every message succeeded', async () => {
    h.addAccount('q-1', newToken());
    h.addAccount('q-2', newToken());
    const answer = await h.invoke(sqsEvent([message('q-1', 'a'), message('q-2', 'b')]));
    expect(answer).toEqual({ batchItemFailures: [] });
  });

  it('uses the message request id upstream and its trigger and correlation in the record', async () => {
    // Prepare
    const t = newToken();
    h.addAccount('q-rid', t);
    const requestId = '0b9a1c7e-2f4d-4e8a-9c3b-5d6e7f8a9b0c';
    // Act
    await h.invoke(
      sqsEvent([
        message('q-rid', 'm-1', { requestId, trigger: 'offboarding', correlationId: 'evt-9' }),
      ]),
    );
    // Assess
    expect(h.meeting.callsFor(t)[0]?.headers['x-request-id']).toBe(requestId);
    expect((await recordsOf(h, 'q-rid'))[0]).toMatchObject({
      requestId,
      trigger: 'offboarding',
      correlationId: 'evt-9',
    });
  });

  it('lists every message whose outcome could not be recorded, even all of them', async () => {
    // Prepare
    h.addAccount('q-a', newToken());
    h.addAccount('q-b', newToken());
    await h.dynamo.deleteTable(OUTCOME_TABLE);
    // Act
    const answer = await h.invoke(sqsEvent([message('q-a', 'x-1'), message('q-b', 'x-2')]));
    // Assess
    expect(answer).toEqual({
      batchItemFailures: expect.arrayContaining([
        { itemIdentifier: 'x-1' },
        { itemIdentifier: 'x-2' },
      ]),
    });
  });

  it('answers ALREADY_REVOKED for a duplicate delivery, without an upstream call', async () => {
    const t = newToken();
    h.addAccount('q-dup', t);
    await h.invoke(sqsEvent([message('q-dup', 'd-1')]));
    const answer = await h.invoke(sqsEvent([message('q-dup', 'd-1')]));
    expect(answer).toEqual({ batchItemFailures: [] });
    expect(h.meeting.callsFor(t)).toHaveLength(1);
    expect((await recordsOf(h, 'q-dup')).map((r) => r['outcome']).sort()).toEqual([
      'ALREADY_REVOKED',
      'REVOKED',
    ]);
  });
});

describe('hand-made batches', () => {
  it('accepts records that carry only messageId and body', async () => {
    const t = newToken();
    h.addAccount('q-minimal', t);
    const answer = await h.invoke({
      Records: [
        {
          messageId: 'm-min',
          body: JSON.stringify({ accountId: 'q-minimal', trigger: 'offboarding' }),
        },
      ],
    });
    expect(answer).toEqual({ batchItemFailures: [] });
    expect(h.meeting.isLive(t)).toBe(false);
  });
});

describe('unknown events', () => {
  it.each([
    ['an empty object', {}],
    ['an S3 notification', { Records: [{ eventSource: 'aws:s3', s3: {} }] }],
    [
      'an EventBridge event of another type',
      { id: '1', 'detail-type': 'Object Created', detail: {} },
    ],
  ])('fail the invocation loudly for %s', async (_name, event) => {
    await expect(h.invoke(event)).rejects.toThrow(/Unrecognised event/);
    expect(h.meeting.requests).toHaveLength(0);
  });
});
