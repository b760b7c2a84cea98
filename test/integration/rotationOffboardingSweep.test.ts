// Offboarding and the sweep beside rotation, through the built bundle: offboarding is final (the
// rotation is cancelled, a pending token revoked too, the record says so), and the sweep leaves
// rotating secrets alone and counts them. The queue revokes a named version, not the current one,
// and treats an offboarding message (a fanned-out event) as final, like the event itself.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { offboardingEvent, scheduleEvent, sqsEvent } from '../support/events.js';
import { type Harness, newToken, PREFIX, startHarness } from '../support/harness.js';
import { recordsOf } from '../support/records.js';

const APP_ID = 'final-app';
const APP_KEY = 'final-app-key-1a2b3c4d5e6f7a8b9c0d';
const ROTATOR = 'arn:aws:lambda:eu-west-1:123456789012:function:meeting-token-revoker-worker';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ MEETING_APP_SECRET_ID: 'meeting/app' });
  h.meeting.addApp(APP_ID, APP_KEY);
});
beforeEach(async () => {
  await h.reset();
  h.secrets.put('meeting/app', JSON.stringify({ appId: APP_ID, appKey: APP_KEY }));
});
afterAll(async () => {
  await h?.stop();
});

/** A rotating account with a rotation stopped after createSecret: a token waits in AWSPENDING. */
const withPendingToken = async (accountId: string) => {
  const current = newToken();
  const name = `${PREFIX}${accountId}`;
  const currentVersion = h.addAccount(accountId, current);
  h.secrets.configureRotation(name, ROTATOR);
  const pendingVersion = h.secrets.beginRotation(name);
  await h.invoke({
    SecretId: name,
    ClientRequestToken: pendingVersion,
    Step: 'createSecret',
  });
  const [pending] = h.meeting.mintedTokens;
  return { name, current, currentVersion, pending: pending as string, pendingVersion };
};

describe('offboarding is final', () => {
  it('cancels rotation, revokes the current and the pending token, and records rotationCancelled', async () => {
    // Prepare
    const { name, current, currentVersion, pending, pendingVersion } =
      await withPendingToken('off-rot');
    // Act
    const summary = await h.invoke(offboardingEvent({ accountId: 'off-rot' }));
    // Assess
    expect(summary).toEqual({ processed: 2, outcomes: { REVOKED: 2 } });
    expect(h.secrets.calls.filter((c) => c.operation === 'CancelRotateSecret')).toEqual([
      expect.objectContaining({ input: expect.objectContaining({ SecretId: name }) }),
    ]);
    expect(h.meeting.isLive(current)).toBe(false);
    expect(h.meeting.isLive(pending)).toBe(false);
    const records = await recordsOf(h, 'off-rot');
    expect(records).toHaveLength(2);
    expect(records.map((r) => r['secretVersionId']).sort()).toEqual(
      [currentVersion, pendingVersion].sort(),
    );
    for (const record of records) {
      expect(record).toMatchObject({ trigger: 'offboarding', rotationCancelled: true });
    }
    // No new token is minted for it: rotation is off.
    const described = await h
      .invoke({
        SecretId: name,
        ClientRequestToken: pendingVersion,
        Step: 'createSecret',
      })
      .catch((error: Error) => error);
    expect(String(described)).toMatch(/rotation-not-enabled/);
  });

  it('revokes all the same when the cancellation fails, records rotationCancelled false, then fails', async () => {
    // Prepare
    const current = newToken();
    h.addAccount('off-nocancel', current);
    h.secrets.configureRotation(`${PREFIX}off-nocancel`, ROTATOR);
    h.secrets.fail('CancelRotateSecret', { type: 'AccessDeniedException', message: 'denied' });
    // Act
    const failure = h.invoke(offboardingEvent({ accountId: 'off-nocancel' }));
    // Assess
    await expect(failure).rejects.toThrow(/rotation could not be cancelled.*off-nocancel/);
    expect(h.meeting.isLive(current)).toBe(false);
    expect(await recordsOf(h, 'off-nocancel')).toEqual([
      expect.objectContaining({ outcome: 'REVOKED', rotationCancelled: false }),
    ]);
  });

  it('records no rotationCancelled for a secret that does not rotate', async () => {
    h.addAccount('off-plain', newToken());
    await h.invoke(offboardingEvent({ accountId: 'off-plain' }));
    const [record] = await recordsOf(h, 'off-plain');
    expect(record).not.toHaveProperty('rotationCancelled');
    expect(h.secrets.calls.some((c) => c.operation === 'CancelRotateSecret')).toBe(false);
  });
});

describe('the sweep and rotation', () => {
  it('leaves secrets with rotation enabled alone and counts them', async () => {
    // Prepare
    const rotating = newToken();
    h.addAccount('sw-rot', rotating);
    h.secrets.configureRotation(`${PREFIX}sw-rot`, ROTATOR);
    h.addAccount('sw-plain', newToken());
    // Act
    const summary = await h.invoke(scheduleEvent());
    // Assess
    expect(summary).toEqual({ processed: 1, outcomes: { REVOKED: 1 }, rotating: 1 });
    expect(h.meeting.isLive(rotating)).toBe(true);
    expect(await recordsOf(h, 'sw-rot')).toEqual([]);
  });

  it('counts rotating secrets when it fans out to the work queue too', async () => {
    process.env['WORK_QUEUE_URL'] = h.sqs.queueUrl('work');
    try {
      h.addAccount('swq-rot', newToken());
      h.secrets.configureRotation(`${PREFIX}swq-rot`, ROTATOR);
      h.addAccount('swq-plain', newToken());
      const summary = await h.invoke(scheduleEvent());
      expect(summary).toMatchObject({ queued: 1, rotating: 1 });
      expect(h.sqs.messages.map((m) => JSON.parse(m.body).accountId)).toEqual(['swq-plain']);
    } finally {
      delete process.env['WORK_QUEUE_URL'];
    }
  });
});

describe('offboarding fanned out to the work queue is final too', () => {
  it('cancels rotation and revokes the current and the pending token of an offboarding message', async () => {
    // Prepare
    const { name, current, currentVersion, pending, pendingVersion } =
      await withPendingToken('wq-off-rot');
    // Act
    const answer = await h.invoke(
      sqsEvent([
        {
          messageId: 'm-off',
          body: { accountId: 'wq-off-rot', trigger: 'offboarding', requestId: crypto.randomUUID() },
        },
      ]),
    );
    // Assess
    expect(answer).toEqual({ batchItemFailures: [] });
    expect(h.secrets.calls.filter((c) => c.operation === 'CancelRotateSecret')).toEqual([
      expect.objectContaining({ input: expect.objectContaining({ SecretId: name }) }),
    ]);
    expect(h.meeting.isLive(current)).toBe(false);
    expect(h.meeting.isLive(pending)).toBe(false);
    const records = await recordsOf(h, 'wq-off-rot');
    expect(records.map((r) => r['secretVersionId']).sort()).toEqual(
      [currentVersion, pendingVersion].sort(),
    );
    for (const record of records) {
      expect(record).toMatchObject({ trigger: 'offboarding', rotationCancelled: true });
    }
  });

  it('revokes all the same when the cancellation fails, records it, and fails the message', async () => {
    // Prepare
    const current = newToken();
    h.addAccount('wq-off-nocancel', current);
    h.secrets.configureRotation(`${PREFIX}wq-off-nocancel`, ROTATOR);
    h.secrets.fail('CancelRotateSecret', { type: 'AccessDeniedException', message: 'denied' });
    // Act
    const answer = await h.invoke(
      sqsEvent([
        { messageId: 'm-nocancel', body: { accountId: 'wq-off-nocancel', trigger: 'offboarding' } },
      ]),
    );
    // Assess: the message comes back (then the dead-letter queue) so that the failure is seen
    expect(answer).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-nocancel' }] });
    expect(h.meeting.isLive(current)).toBe(false);
    expect(await recordsOf(h, 'wq-off-nocancel')).toEqual([
      expect.objectContaining({ outcome: 'REVOKED', rotationCancelled: false }),
    ]);
  });

  it('leaves rotation alone for a sweep message', async () => {
    // Prepare
    const current = newToken();
    h.addAccount('wq-sweep-rot', current);
    h.secrets.configureRotation(`${PREFIX}wq-sweep-rot`, ROTATOR);
    // Act
    const answer = await h.invoke(
      sqsEvent([{ body: { accountId: 'wq-sweep-rot', trigger: 'schedule' } }]),
    );
    // Assess
    expect(answer).toEqual({ batchItemFailures: [] });
    expect(h.secrets.calls.some((c) => c.operation === 'CancelRotateSecret')).toBe(false);
    expect(h.meeting.isLive(current)).toBe(false);
  });
});

describe('the work queue and secret versions', () => {
  it('revokes exactly the named version, not the current one', async () => {
    // Prepare
    const older = newToken();
    const olderVersion = h.addAccount('wq-ver', older);
    const newer = newToken();
    h.addAccount('wq-ver', newer);
    // Act
    const answer = await h.invoke(
      sqsEvent([
        {
          body: {
            accountId: 'wq-ver',
            trigger: 'rotation',
            requestId: crypto.randomUUID(),
            secretVersionId: olderVersion,
          },
        },
      ]),
    );
    // Assess
    expect(answer).toEqual({ batchItemFailures: [] });
    expect(h.meeting.isLive(older)).toBe(false);
    expect(h.meeting.isLive(newer)).toBe(true);
    expect(await recordsOf(h, 'wq-ver')).toEqual([
      expect.objectContaining({ trigger: 'rotation', secretVersionId: olderVersion }),
    ]);
  });

  it('refuses a message whose secretVersionId is not a version id', async () => {
    h.addAccount('wq-bad', newToken());
    const answer = await h.invoke(
      sqsEvent([
        {
          messageId: 'm-bad',
          body: { accountId: 'wq-bad', trigger: 'rotation', secretVersionId: '../x' },
        },
      ]),
    );
    expect(answer).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-bad' }] });
    expect(h.meeting.requests).toEqual([]);
  });
});
