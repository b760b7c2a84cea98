// What the triggers answer to malformed events: every problem named by its path, and never the
// value that was wrong (a token pasted in the wrong field must not reach a log line).
import { describe, expect, it } from 'vitest';
import { parseOffboardingEvent } from '../../../lambda/triggers/offboarding.js';
import { parseRotationEvent } from '../../../lambda/triggers/rotation.js';
import { sweepRunId } from '../../../lambda/triggers/sweep.js';

const TOKEN = 'cnrdBMF1rhe3Ut6mmGAPxCkHkdD3fTxZ';
const offboarded = (detail: unknown) => ({
  id: 'event-1',
  'detail-type': 'Account Offboarded',
  detail,
});
const messageOf = (act: () => unknown): string => {
  try {
    act();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('accepted');
};

describe('offboarding events', () => {
  it('reads the listed account ids, dropping unknown keys', () => {
    expect(parseOffboardingEvent({ ...offboarded({ accountIds: ['a', 'b'] }), x: 1 })).toEqual({
      id: 'event-1',
      accountIds: ['a', 'b'],
      invalid: [],
    });
  });

  it.each([
    ['not an object', [TOKEN], 'Invalid offboarding event: event: Invalid input'],
    [
      'no fields',
      {},
      'Invalid offboarding event: id: Invalid input; detail-type: Invalid input; detail: Invalid input',
    ],
    [
      'a detail that is a list',
      offboarded([TOKEN]),
      'Invalid offboarding event: detail: Invalid input',
    ],
    [
      'a detail without accounts',
      offboarded({}),
      'Invalid offboarding event: detail: detail must hold accountId or accountIds',
    ],
    [
      'an empty list of accounts',
      offboarded({ accountIds: [] }),
      'Invalid offboarding event: detail.accountIds: Invalid input',
    ],
    [
      'an id of 257 characters',
      { ...offboarded({ accountId: 'a' }), id: '😀'.repeat(257) },
      'Invalid offboarding event: id: Invalid input',
    ],
    ['a token as the id', { ...offboarded({ accountId: 'a' }), id: [TOKEN] }, 'id: Invalid input'],
  ])('refuses %s, saying where', (_name, event, message) => {
    const said = messageOf(() => parseOffboardingEvent(event));
    expect(said).toContain(message);
    expect(said).not.toContain(TOKEN);
  });

  it('counts an id in characters, an emoji being one', () => {
    const id = '😀'.repeat(256);
    expect(parseOffboardingEvent({ ...offboarded({ accountId: 'a' }), id }).id).toBe(id);
  });
});

describe('rotation events', () => {
  const step = {
    SecretId: 'meeting/svc-1',
    ClientRequestToken: '0123456789abcdef0123456789abcdef',
    Step: 'createSecret',
  };

  it('reads a step', () => {
    expect(parseRotationEvent({ ...step, extra: true })).toEqual(step);
  });

  it('names each wrong field, not its value', () => {
    const said = messageOf(() =>
      parseRotationEvent({ SecretId: '', ClientRequestToken: TOKEN.slice(0, 8), Step: TOKEN }),
    );
    expect(said).toBe(
      'Invalid rotation event: SecretId: Invalid input; ClientRequestToken: Invalid input; Step: Invalid input',
    );
  });
});

describe('sweep events', () => {
  it('identifies a run by its execution id, its scheduled time or its event id', () => {
    expect(sweepRunId({ action: 'sweep', executionId: 'run-1', scheduledTime: 't' })).toBe('run-1');
    expect(sweepRunId({ action: 'sweep', scheduledTime: 't' })).toBe('t');
    expect(sweepRunId({ action: 'sweep' })).toBeUndefined();
    expect(
      sweepRunId({ source: 'aws.events', 'detail-type': 'Scheduled Event', id: 'e-1', time: 't' }),
    ).toBe('e-1');
  });

  it.each([
    ['a list', [{ action: 'sweep' }]],
    ['another action', { action: 'purge' }],
    ['an execution id of 257 characters', { action: 'sweep', executionId: 'x'.repeat(257) }],
  ])('refuses %s', (_name, event) => {
    expect(() => sweepRunId(event)).toThrow('Invalid sweep event');
  });
});
