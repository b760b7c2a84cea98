// The secret store through the real Secrets Manager client against the project's stand-in: one
// tagged reading per secret, from GetSecretValue or BatchGetSecretValue alike.
import { beforeEach, describe, expect, it } from 'vitest';
import { SecretStore } from '../../../lambda/adapters/secrets/SecretStore.js';
import { captureLogs } from '../../support/capturedLogs.js';
import { useSecretsManagerStandIn } from '../../support/standInsPerFile.js';

const PREFIX = 'meeting/service-accounts/';
const TOKEN = 'cnr1-token-of-alice-0123456789';

const local = useSecretsManagerStandIn();
captureLogs();
let store: SecretStore;
beforeEach(() => {
  local.sm.emptyBatchAnswers = false;
  // A new store: one remembers when batch reads proved unusable.
  store = new SecretStore(local.client, PREFIX, 'token');
});

const put = (accountId: string, value: string): string =>
  local.sm.put(`${PREFIX}${accountId}`, value);
const operations = () => local.sm.calls.map((call) => call.operation);

describe('SecretStore.load', () => {
  it('finds the token of a JSON secret, with its version', async () => {
    // Prepare
    const versionId = put('alice', JSON.stringify({ token: TOKEN, userId: 'u1' }));
    // Act
    const reading = await store.load('alice');
    // Assess
    expect(reading).toEqual({ kind: 'found', token: TOKEN, versionId });
  });

  it('finds the token of exactly the version asked for', async () => {
    // Prepare
    const older = put('alice', TOKEN);
    put('alice', 'cnr1-the-newer-token-0123456789');
    // Act
    const reading = await store.load('alice', older);
    // Assess
    expect(reading).toEqual({ kind: 'found', token: TOKEN, versionId: older });
  });

  it('answers missing for no secret, and for a secret without the token field', async () => {
    // Prepare
    const versionId = put('bob', JSON.stringify({ userId: 'u2' }));
    // Act
    const none = await store.load('alice');
    const noField = await store.load('bob');
    // Assess
    expect(none).toEqual({ kind: 'missing' });
    expect(noField).toEqual({ kind: 'missing', versionId });
  });

  it('answers missing for a secret marked for deletion', async () => {
    // Prepare
    put('alice', TOKEN);
    local.sm.markForDeletion(`${PREFIX}alice`);
    // Act
    const reading = await store.load('alice');
    // Assess
    expect(reading).toEqual({ kind: 'missing' });
  });

  it('answers malformed for JSON that holds no string token', async () => {
    // Prepare
    const broken = put('alice', '{"token": "cnr1-');
    const numeric = put('bob', JSON.stringify({ token: 42 }));
    // Act
    const readings = [await store.load('alice'), await store.load('bob')];
    // Assess
    expect(readings).toEqual([
      { kind: 'malformed', versionId: broken },
      { kind: 'malformed', versionId: numeric },
    ]);
  });

  it('answers unreadable, naming the error, when Secrets Manager refuses', async () => {
    // Prepare
    put('alice', TOKEN);
    local.sm.fail('GetSecretValue', { type: 'AccessDeniedException', message: 'not allowed' });
    // Act
    const reading = await store.load('alice');
    // Assess
    expect(reading).toEqual({ kind: 'unreadable', errorName: 'AccessDeniedException' });
  });
});

describe('SecretStore.loadMany', () => {
  it('reads a batch in one call, each secret as load would', async () => {
    // Prepare
    const alice = put('alice', TOKEN);
    const malformed = put('bob', '[1, 2]');
    put('carol', TOKEN);
    local.sm.markForDeletion(`${PREFIX}carol`);
    // Act
    const readings = await store.loadMany(['alice', 'bob', 'carol', 'dave']);
    // Assess
    expect(Object.fromEntries(readings)).toEqual({
      alice: { kind: 'found', token: TOKEN, versionId: alice },
      bob: { kind: 'malformed', versionId: malformed },
      carol: { kind: 'missing' },
      dave: { kind: 'missing' },
    });
    expect(operations()).toEqual(['BatchGetSecretValue']);
  });

  it('reads one by one when the batch call is refused, and skips it from then on', async () => {
    // Prepare
    const alice = put('alice', TOKEN);
    local.sm.fail('BatchGetSecretValue', { type: 'AccessDeniedException', message: 'no batch' });
    // Act
    const first = await store.loadMany(['alice', 'dave']);
    const second = await store.loadMany(['alice']);
    // Assess
    expect(Object.fromEntries(first)).toEqual({
      alice: { kind: 'found', token: TOKEN, versionId: alice },
      dave: { kind: 'missing' },
    });
    expect(Object.fromEntries(second)).toEqual({
      alice: { kind: 'found', token: TOKEN, versionId: alice },
    });
    expect(operations().filter((name) => name === 'BatchGetSecretValue')).toHaveLength(1);
    expect(operations().filter((name) => name === 'GetSecretValue')).toHaveLength(3);
  });

  it('tries the batch again after a throttled one', async () => {
    // Prepare
    put('alice', TOKEN);
    local.sm.fail('BatchGetSecretValue', { type: 'ThrottlingException', message: 'slow down' }, 1);
    // Act
    await store.loadMany(['alice']);
    const second = await store.loadMany(['alice']);
    // Assess
    expect(second.get('alice')).toMatchObject({ kind: 'found', token: TOKEN });
    expect(operations()).toEqual(['BatchGetSecretValue', 'GetSecretValue', 'BatchGetSecretValue']);
  });

  it('reads one by one after a batch answer that names none of the secrets', async () => {
    // Prepare
    const alice = put('alice', TOKEN);
    local.sm.emptyBatchAnswers = true;
    // Act
    const readings = await store.loadMany(['alice']);
    // Assess
    expect(readings.get('alice')).toEqual({ kind: 'found', token: TOKEN, versionId: alice });
    expect(operations()).toContain('GetSecretValue');
  });

  it('answers an unreadable secret as such when read one by one', async () => {
    // Prepare
    put('alice', TOKEN);
    local.sm.fail('BatchGetSecretValue', { type: 'AccessDeniedException', message: 'no batch' });
    local.sm.fail('GetSecretValue', { type: 'ThrottlingException', message: 'slow down' });
    // Act
    const readings = await store.loadMany(['alice']);
    // Assess
    expect(readings.get('alice')).toEqual({ kind: 'unreadable', errorName: 'ThrottlingException' });
  });
});

describe('SecretStore.listAccountIds', () => {
  it('lists the accounts under the prefix, and hands the rotating ones to onRotating', async () => {
    // Prepare
    put('alice', TOKEN);
    put('bob', TOKEN);
    local.sm.put('meeting/other-things/carol', TOKEN);
    local.sm.configureRotation(`${PREFIX}bob`, 'arn:aws:lambda:eu-west-1:123456789012:function:r');
    const rotating: string[] = [];
    // Act
    const pages: string[][] = [];
    for await (const page of store.listAccountIds({ onRotating: (id) => rotating.push(id) })) {
      pages.push(page);
    }
    // Assess
    expect(pages.flat()).toEqual(['alice']);
    expect(rotating).toEqual(['bob']);
  });
});
