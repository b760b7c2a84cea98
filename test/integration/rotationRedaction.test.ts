// Rotation leaks nothing: across every step, succeeding and failing, with a Meeting API that echoes
// tokens and the App Key in its answers, neither the replaced token, nor the minted ones, nor the
// App Key appears in a log line, an answer, an error, an outcome record or a queue message.
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { offboardingEvent, sqsEvent } from '../support/events.js';
import { type Harness, newToken, OUTCOME_TABLE, PREFIX, startHarness } from '../support/harness.js';

const APP_ID = 'leak-app';
const APP_KEY = 'leakcheck-app-key-7f3a9c1e5b2d4f6a8c0e';
const ROTATOR = 'arn:aws:lambda:eu-west-1:123456789012:function:meeting-token-revoker-worker';

let h: Harness;
const answers: string[] = [];

const invoke = async (event: unknown): Promise<unknown> => {
  try {
    const result = await h.invoke(event);
    answers.push(JSON.stringify(result));
    return result;
  } catch (error) {
    const e = error as Error;
    answers.push(`${e.name}: ${e.message}\n${e.stack ?? ''}\n${JSON.stringify(e)}`);
    return undefined;
  }
};

const echoing = (secrets: string[], status: number) => ({
  status,
  body: {
    error_code: `USG.${secrets.join('.')}`,
    error_msg: `refused ${secrets.join(' and ')}`,
    request_id: secrets[0],
  },
  headers: { 'X-Debug': secrets.join(',') },
});

beforeAll(async () => {
  h = await startHarness({ MEETING_APP_SECRET_ID: 'meeting/app', VERIFY_REVOCATION: 'true' });
  h.meeting.addApp(APP_ID, APP_KEY);
});
beforeEach(async () => {
  await h.reset();
  answers.length = 0;
  h.secrets.rotationRunner = (event) => invoke(event);
  h.secrets.put('meeting/app', JSON.stringify({ appId: APP_ID, appKey: APP_KEY }));
});
afterAll(async () => {
  delete process.env['VERIFY_REVOCATION'];
  await h?.stop();
});

const step = (name: string, versionId: string, Step: string) =>
  invoke({ SecretId: name, ClientRequestToken: versionId, Step });

describe('rotation redaction', () => {
  it('leaves neither token nor the App Key anywhere, whatever step succeeds or fails', async () => {
    const old = newToken();
    const name = `${PREFIX}leak-1`;
    h.addAccount('leak-1', old);
    h.secrets.configureRotation(name, ROTATOR);

    // createSecret: Huawei down, echoing the App Key and the current token.
    let pending = h.secrets.beginRotation(name);
    h.meeting.scriptMint(echoing([APP_KEY, old], 500));
    await step(name, pending, 'createSecret');
    h.secrets.endRotation(name);

    // createSecret: a bad signature (a wrong App Key, echoed back), then PutSecretValue failing.
    const wrongKey = 'leakcheck-wrong-key-0a1b2c3d4e5f6a7b';
    h.secrets.put('meeting/app', JSON.stringify({ appId: APP_ID, appKey: wrongKey }));
    h.meeting.scriptMint({});
    pending = h.secrets.beginRotation(name);
    await step(name, pending, 'createSecret');
    h.secrets.put('meeting/app', JSON.stringify({ appId: APP_ID, appKey: APP_KEY }));
    h.secrets.fail('PutSecretValue', { type: 'InternalServiceError', message: 'boom' }, 1);
    await step(name, pending, 'createSecret');

    // The whole rotation, each step twice, the replaced token's logout echoing it (503, then 200).
    await step(name, pending, 'createSecret');
    await step(name, pending, 'createSecret');
    await step(name, pending, 'setSecret');
    await step(name, pending, 'testSecret');
    await step(name, pending, 'testSecret');
    const down = echoing([old, APP_KEY], 503);
    h.meeting.script(old, [down, down, down, {}]);
    await step(name, pending, 'finishSecret');
    await step(name, pending, 'finishSecret');

    // testSecret refused: a second rotation whose new token is killed before the test.
    h.secrets.endRotation(name);
    const second = h.secrets.beginRotation(name);
    await step(name, second, 'createSecret');
    const minted = h.meeting.mintedTokens;
    const newest = minted[minted.length - 1] as string;
    await fetch(`${h.meeting.baseUrl}/v1/usg/acs/token`, {
      method: 'DELETE',
      headers: { 'X-Access-Token': newest },
    });
    await step(name, second, 'testSecret');

    // Offboarding revokes the current and the pending token, through the queue too.
    await invoke(offboardingEvent({ accountId: 'leak-1' }));
    await invoke(
      sqsEvent([{ body: { accountId: 'leak-1', trigger: 'rotation', secretVersionId: pending } }]),
    );

    // Assess
    const { Items = [] } = await h.dynamo.documentClient.send(
      new ScanCommand({ TableName: OUTCOME_TABLE }),
    );
    const everything = [
      ...h.logs,
      ...answers,
      JSON.stringify(Items),
      JSON.stringify(h.sqs.messages),
    ].join('\n');
    expect(minted.length).toBeGreaterThanOrEqual(3);
    expect(Items.length).toBeGreaterThan(0);
    // Every failure above really happened (and so had its chance to leak).
    for (const failure of [
      'mint-http-500',
      'mint-http-401',
      'PutSecretValue',
      'revocation-http-503',
      'validate-refused',
      '"done":"minted"',
      '"revocation":"REVOKED"',
    ]) {
      expect(answers.join('\n')).toContain(failure);
    }
    for (const secret of [old, APP_KEY, wrongKey, ...minted]) {
      expect(everything).not.toContain(secret);
    }
  });
});
