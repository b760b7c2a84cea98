// Rotation through the built bundle: the four Secrets Manager steps against the Secrets Manager
// stand-in (versions, stages, RotateSecret running the steps), dynalite, SQS and the Meeting
// simulator minting and validating like Huawei.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sqsEvent } from '../support/events.js';
import { type Harness, newToken, PREFIX, startHarness } from '../support/harness.js';
import { recordsOf } from '../support/records.js';

const APP_ID = 'rotation-app';
const APP_KEY = 'app-key-0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c';
const APP_SECRET = 'meeting/app';
const ROTATOR = 'arn:aws:lambda:eu-west-1:123456789012:function:meeting-token-revoker-worker';

let h: Harness;
const baseEnv = { MEETING_APP_SECRET_ID: APP_SECRET };

beforeAll(async () => {
  h = await startHarness(baseEnv);
  h.meeting.addApp(APP_ID, APP_KEY);
});
beforeEach(async () => {
  await h.reset();
  h.secrets.rotationRunner = (event) => h.invoke(event);
  h.secrets.put(APP_SECRET, JSON.stringify({ appId: APP_ID, appKey: APP_KEY }));
  for (const name of ['ROTATION_GRACE_SECONDS', 'WORK_QUEUE_URL', 'SECRET_USER_ID_FIELD']) {
    delete process.env[name];
  }
  Object.assign(process.env, baseEnv);
});
afterAll(async () => {
  await h?.stop();
});

/** An account whose secret rotates: JSON with a user id unless `raw`. Returns its old version. */
const rotatingAccount = (
  accountId: string,
  token: string,
  options: { raw?: boolean; userId?: string } = {},
) => {
  h.meeting.addToken(token);
  const name = `${PREFIX}${accountId}`;
  const value = options.raw
    ? token
    : JSON.stringify({
        accessToken: token,
        appId: 'integration-7',
        ...(options.userId ? { userId: options.userId } : {}),
      });
  const version = h.secrets.put(name, value);
  h.secrets.configureRotation(name, ROTATOR);
  return { name, version };
};

const step = (name: string, versionId: string, Step: string) =>
  h.invoke({
    SecretId: h.secrets.arnOf(name),
    ClientRequestToken: versionId,
    Step,
    RotationToken: randomUUID(),
  });

const currentToken = (name: string): string => {
  const value = h.secrets.valueAt(name) as string;
  return value.startsWith('{') ? (JSON.parse(value) as { accessToken: string }).accessToken : value;
};

const metricCount = (metricName: string): number =>
  h.logs
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.includes('"_aws"') && line.includes(`"${metricName}"`))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line['trigger'] === 'rotation')
    .reduce((sum, line) => sum + Number(line[metricName] ?? 0), 0);

describe('rotation: the whole life cycle', () => {
  it('promotes a new token the simulator accepts, kills the old one and records it by version', async () => {
    // Prepare
    const old = newToken();
    const { name, version } = rotatingAccount('rot-life', old, { userId: 'huawei-user-9' });
    // Act
    const { versionId } = await h.secrets.rotate(name);
    // Assess
    const value = JSON.parse(h.secrets.valueAt(name) as string) as Record<string, string>;
    expect(value['appId']).toBe('integration-7');
    expect(value['userId']).toBe('huawei-user-9');
    expect(value['accessToken']).not.toBe(old);
    expect(Date.parse(value['expiresAt'] as string)).toBeGreaterThan(Date.now() + 11 * 3600_000);
    expect(h.meeting.isLive(value['accessToken'] as string)).toBe(true);
    expect(h.meeting.liveTokensOf('huawei-user-9')).toEqual([value['accessToken']]);
    expect(h.meeting.isLive(old)).toBe(false);
    const stages = h.secrets.versionsOf(name);
    expect(stages.find((v) => v.id === versionId)?.stages).toContain('AWSCURRENT');
    expect(stages.find((v) => v.id === version)?.stages).toEqual(['AWSPREVIOUS']);
    expect(await recordsOf(h, 'rot-life')).toEqual([
      expect.objectContaining({
        trigger: 'rotation',
        outcome: 'REVOKED',
        secretVersionId: version,
      }),
    ]);
  });

  it('keeps a plain-string secret plain and mints for the account id', async () => {
    const old = newToken();
    const { name } = rotatingAccount('rot-plain', old, { raw: true });
    await h.secrets.rotate(name);
    const now = h.secrets.valueAt(name) as string;
    expect(now).not.toContain('{');
    expect(h.meeting.liveTokensOf('rot-plain')).toEqual([now]);
    expect(h.meeting.isLive(old)).toBe(false);
  });

  it('reads the user id from SECRET_USER_ID_FIELD, else uses the account id', async () => {
    process.env['SECRET_USER_ID_FIELD'] = 'huaweiUser';
    h.meeting.addToken('seed-token-0001');
    const name = `${PREFIX}rot-field`;
    h.secrets.put(name, JSON.stringify({ accessToken: 'seed-token-0001', huaweiUser: 'u-42' }));
    h.secrets.configureRotation(name, ROTATOR);
    await h.secrets.rotate(name);
    expect(h.meeting.liveTokensOf('u-42')).toHaveLength(1);
  });
});

describe('rotation: each step repeated', () => {
  it('a repeated createSecret never mints twice', async () => {
    const { name } = rotatingAccount('rot-create2', newToken());
    const pending = h.secrets.beginRotation(name);
    await step(name, pending, 'createSecret');
    const again = await step(name, pending, 'createSecret');
    expect(again).toMatchObject({ done: 'already-created' });
    expect(h.meeting.mintedTokens).toHaveLength(1);
  });

  it('concurrent createSecret calls mint once', async () => {
    const { name } = rotatingAccount('rot-race', newToken());
    const pending = h.secrets.beginRotation(name);
    const results = await Promise.allSettled(
      Array.from({ length: 4 }, () => step(name, pending, 'createSecret')),
    );
    expect(results.some((r) => r.status === 'fulfilled')).toBe(true);
    expect(h.meeting.mintedTokens).toHaveLength(1);
  });

  it('setSecret and testSecret repeated change nothing; a repeated finishSecret moves no stage', async () => {
    const old = newToken();
    const { name, version } = rotatingAccount('rot-repeat', old);
    const pending = h.secrets.beginRotation(name);
    await step(name, pending, 'createSecret');
    for (const s of ['setSecret', 'setSecret', 'testSecret', 'testSecret', 'finishSecret']) {
      await step(name, pending, s);
    }
    const stagesBefore = h.secrets.versionsOf(name);
    const callsBefore = h.meeting.callsFor(old).length;
    const again = await step(name, pending, 'finishSecret');
    expect(again).toMatchObject({ revocation: 'ALREADY_REVOKED', replacedVersionId: version });
    expect(h.secrets.versionsOf(name)).toEqual(stagesBefore);
    expect(h.meeting.callsFor(old)).toHaveLength(callsBefore);
    expect(h.secrets.calls.filter((c) => c.operation === 'UpdateSecretVersionStage')).toHaveLength(
      1,
    );
  });

  it('a repeated finishSecret revokes the replaced token when that FAILED before', async () => {
    const old = newToken();
    const { name, version } = rotatingAccount('rot-refinish', old);
    h.meeting.script(old, { status: 503 });
    const pending = h.secrets.beginRotation(name);
    for (const s of ['createSecret', 'setSecret', 'testSecret']) await step(name, pending, s);
    // Act
    await expect(step(name, pending, 'finishSecret')).rejects.toThrow(/revocation-http-503/);
    h.meeting.script(old, { status: 200 });
    const again = await step(name, pending, 'finishSecret');
    // Assess
    expect(again).toMatchObject({ revocation: 'REVOKED' });
    const records = await recordsOf(h, 'rot-refinish');
    expect(records.map((r) => r['outcome']).sort()).toEqual(['FAILED', 'REVOKED']);
    expect(records.every((r) => r['secretVersionId'] === version)).toBe(true);
    expect(h.secrets.versionsOf(name).find((v) => v.id === pending)?.stages).toContain(
      'AWSCURRENT',
    );
  });
});

describe('rotation: each step failing', () => {
  it('createSecret with a bad signature (a wrong App Key) fails and stores nothing', async () => {
    h.secrets.put(APP_SECRET, JSON.stringify({ appId: APP_ID, appKey: 'not-the-app-key-00000' }));
    const old = newToken();
    const { name } = rotatingAccount('rot-badsig', old);
    const pending = h.secrets.beginRotation(name);
    await expect(step(name, pending, 'createSecret')).rejects.toThrow(/mint-http-401/);
    expect(currentToken(name)).toBe(old);
    expect(h.secrets.versionsOf(name).find((v) => v.id === pending)?.value).toBeUndefined();
    expect(metricCount('RotationFailed')).toBe(1);
    // Refused by Huawei: nothing was minted, so a retry with the right key may mint.
    h.secrets.put(APP_SECRET, JSON.stringify({ appId: APP_ID, appKey: APP_KEY }));
    await expect(step(name, pending, 'createSecret')).resolves.toMatchObject({ done: 'minted' });
  });

  it('createSecret while Huawei is down fails, keeps AWSCURRENT and does not mint again at once', async () => {
    const old = newToken();
    const { name } = rotatingAccount('rot-down', old);
    h.meeting.scriptMint({ status: 502 });
    const pending = h.secrets.beginRotation(name);
    await expect(step(name, pending, 'createSecret')).rejects.toThrow(/mint-http-502/);
    // A 502 may hide a minted token: the retry waits for the claim's lease instead of minting.
    await expect(step(name, pending, 'createSecret')).rejects.toThrow(/mint-in-progress/);
    expect(currentToken(name)).toBe(old);
    expect(h.meeting.isLive(old)).toBe(true);
    expect(metricCount('RotationFailed')).toBe(2);
  });

  it('a token minted but not stored (PutSecretValue failed) is revoked, and a retry mints once more', async () => {
    const { name } = rotatingAccount('rot-put', newToken());
    h.secrets.fail('PutSecretValue', { type: 'InternalServiceError', message: 'boom' }, 1);
    const pending = h.secrets.beginRotation(name);
    await expect(step(name, pending, 'createSecret')).rejects.toThrow(/PutSecretValue/);
    const [orphan] = h.meeting.mintedTokens;
    expect(orphan && h.meeting.isLive(orphan)).toBe(false);
    await step(name, pending, 'createSecret');
    expect(h.meeting.liveTokensOf('rot-put')).toHaveLength(1);
  });

  it('testSecret fails when Huawei refuses to validate the pending token, and AWSCURRENT stays', async () => {
    const old = newToken();
    const { name } = rotatingAccount('rot-test', old);
    const pending = h.secrets.beginRotation(name);
    await step(name, pending, 'createSecret');
    const [minted] = h.meeting.mintedTokens;
    // Logged out behind the rotation's back: Huawei's validate now answers 401.
    await fetch(`${h.meeting.baseUrl}/v1/usg/acs/token`, {
      method: 'DELETE',
      headers: { 'X-Access-Token': minted as string },
    });
    await expect(step(name, pending, 'testSecret')).rejects.toThrow(/validate-refused/);
    expect(currentToken(name)).toBe(old);
    expect(metricCount('RotationFailed')).toBe(1);
  });

  it('finishSecret fails after recording when the inline revocation ends FAILED', async () => {
    const old = newToken();
    const { name, version } = rotatingAccount('rot-finfail', old);
    h.meeting.script(old, { status: 500 });
    const pending = h.secrets.beginRotation(name);
    for (const s of ['createSecret', 'setSecret', 'testSecret']) await step(name, pending, s);
    await expect(step(name, pending, 'finishSecret')).rejects.toThrow(/finishSecret/);
    expect(await recordsOf(h, 'rot-finfail')).toEqual([
      expect.objectContaining({ outcome: 'FAILED', trigger: 'rotation', secretVersionId: version }),
    ]);
    expect(metricCount('RotationFailed')).toBe(1);
  });
});

describe('rotation: refusals, before any change', () => {
  it.each([
    ['a secret outside the prefix', 'other/rot-x', /outside-prefix/],
    ['a name that is not an account id', `${PREFIX}bad id!`, /invalid-account-id/],
  ])('refuses %s', async (_what, name, error) => {
    h.secrets.put(name, newToken());
    h.secrets.configureRotation(name, ROTATOR);
    const pending = h.secrets.beginRotation(name);
    await expect(step(name, pending, 'createSecret')).rejects.toThrow(error);
    expect(h.meeting.mintedTokens).toEqual([]);
  });

  it('refuses a secret without rotation enabled, a version not of the secret, and one not pending', async () => {
    const old = newToken();
    h.meeting.addToken(old);
    const plain = `${PREFIX}rot-off`;
    const version = h.secrets.put(plain, old);
    await expect(step(plain, randomUUID(), 'createSecret')).rejects.toThrow(/rotation-not-enabled/);
    h.secrets.configureRotation(plain, ROTATOR);
    await expect(step(plain, randomUUID(), 'createSecret')).rejects.toThrow(/unknown-version/);
    const second = h.secrets.put(plain, newToken());
    await expect(step(plain, version, 'createSecret')).rejects.toThrow(/not-pending/);
    expect(second).toBeDefined();
    expect(h.meeting.mintedTokens).toEqual([]);
    expect(metricCount('RotationFailed')).toBe(3);
  });

  it('fails naming MEETING_APP_SECRET_ID when it is unset', async () => {
    delete process.env['MEETING_APP_SECRET_ID'];
    const { name } = rotatingAccount('rot-noapp', newToken());
    const pending = h.secrets.beginRotation(name);
    await expect(step(name, pending, 'createSecret')).rejects.toThrow(/MEETING_APP_SECRET_ID/);
    expect(h.secrets.calls.some((c) => c.operation === 'DescribeSecret')).toBe(false);
  });

  it('fails naming both variables when a grace needs a work queue that is not set', async () => {
    process.env['ROTATION_GRACE_SECONDS'] = '300';
    const { name } = rotatingAccount('rot-nogq', newToken());
    const pending = h.secrets.beginRotation(name);
    const failure = step(name, pending, 'finishSecret');
    await expect(failure).rejects.toThrow(/ROTATION_GRACE_SECONDS/);
    await expect(failure).rejects.toThrow(/WORK_QUEUE_URL/);
    expect(h.secrets.calls.some((c) => c.operation !== 'GetSecretValue')).toBe(false);
  });
});

describe('rotation: grace, through the work queue', () => {
  it('sends a delayed message naming the replaced version, whose token the consumer revokes', async () => {
    // Prepare
    const queueUrl = h.sqs.queueUrl('work');
    Object.assign(process.env, { ROTATION_GRACE_SECONDS: '300', WORK_QUEUE_URL: queueUrl });
    const old = newToken();
    const { name, version } = rotatingAccount('rot-grace', old);
    // Act
    await h.secrets.rotate(name);
    // Assess: the old token lives on through the grace
    expect(h.meeting.isLive(old)).toBe(true);
    expect(h.sqs.messages).toHaveLength(1);
    const [sent] = h.sqs.messages;
    expect(sent?.delaySeconds).toBe(300);
    const body = JSON.parse(sent?.body as string) as Record<string, unknown>;
    expect(body).toMatchObject({
      accountId: 'rot-grace',
      trigger: 'rotation',
      secretVersionId: version,
      requestId: expect.any(String),
    });
    // Act: the message arrives after the delay
    const answer = await h.invoke(sqsEvent([{ body }]));
    // Assess: exactly the replaced version's token, not the current one
    expect(answer).toEqual({ batchItemFailures: [] });
    expect(h.meeting.isLive(old)).toBe(false);
    expect(h.meeting.isLive(currentToken(name))).toBe(true);
    expect(await recordsOf(h, 'rot-grace')).toEqual([
      expect.objectContaining({
        trigger: 'rotation',
        outcome: 'REVOKED',
        secretVersionId: version,
      }),
    ]);
  });
});
