// Beyond the contract (VERIFY_REVOCATION, OUTCOME_EVENT_BUS_NAME): revocations proven dead with
// Huawei's validate API and announced on EventBridge, through the built bundle.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EventBridgeStandIn } from '../support/EventBridgeStandIn.js';
import { httpEvent, offboardingEvent } from '../support/events.js';
import { type Harness, newToken, startHarness } from '../support/harness.js';
import { recordsOf } from '../support/records.js';

let h: Harness;
let bus: EventBridgeStandIn;
const tokens: string[] = [];

const live = (accountId: string, options?: { surviveLogout?: boolean }) => {
  const t = newToken();
  tokens.push(t);
  h.addAccount(accountId, t);
  if (options?.surviveLogout) h.meeting.addToken(t, { surviveLogout: true });
  return t;
};

beforeAll(async () => {
  [h, bus] = await Promise.all([startHarness(), EventBridgeStandIn.start()]);
  process.env['AWS_ENDPOINT_URL_EVENTBRIDGE'] = bus.endpoint;
});
const seen: string[] = [];
beforeEach(async () => {
  seen.push(JSON.stringify(bus.calls), ...h.logs);
  await h.reset();
  bus.reset();
  process.env['VERIFY_REVOCATION'] = 'true';
  process.env['OUTCOME_EVENT_BUS_NAME'] = 'security-events';
});
afterAll(async () => {
  await Promise.all([h.stop(), bus.stop()]);
});

describe('verification', () => {
  it('records verified: true when the validate API says the token is dead', async () => {
    // Prepare
    const t = live('v-dead');
    // Act
    const summary = await h.invoke(offboardingEvent({ accountId: 'v-dead' }));
    // Assess
    expect(summary).toEqual({ processed: 1, outcomes: { REVOKED: 1 } });
    const validate = h.meeting.callsFor(t).filter((r) => r.path === '/v1/usg/acs/token/validate');
    expect(validate).toHaveLength(1);
    expect(JSON.parse(validate[0]?.body ?? '{}')).toEqual({ token: t, needGenNewToken: false });
    expect(validate[0]?.headers['x-access-token']).toBeUndefined();
    expect((await recordsOf(h, 'v-dead'))[0]).toMatchObject({ outcome: 'REVOKED', verified: true });
  });

  it('records verified: false, counts it and says so when the token survives logout', async () => {
    // Prepare
    live('v-alive', { surviveLogout: true });
    // Act
    const response = (await h.invoke(
      httpEvent({ method: 'POST', path: '/revocations', body: { accountId: 'v-alive' } }),
    )) as { statusCode: number; body: string };
    // Assess
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ outcome: 'REVOKED', verified: false });
    expect((await recordsOf(h, 'v-alive'))[0]).toMatchObject({ verified: false });
    const logs = h.logs.join('');
    expect(logs).toContain('"TokenSurvivedRevocation":1');
    expect(logs).toContain('token still valid after a successful revocation');
    expect(bus.events.map((e) => e.DetailType)).toEqual(['Token Revocation Failed']);
  });

  it('makes no validate call with VERIFY_REVOCATION off', async () => {
    process.env['VERIFY_REVOCATION'] = 'false';
    const t = live('v-off');
    await h.invoke(offboardingEvent({ accountId: 'v-off' }));
    expect(h.meeting.callsFor(t).map((r) => r.method)).toEqual(['DELETE']);
    expect((await recordsOf(h, 'v-off'))[0]).not.toHaveProperty('verified');
  });
});

describe('outcome events', () => {
  it('announces each revocation of an offboarding event, verified and correlated', async () => {
    // Prepare
    live('e-1');
    live('e-2');
    const event = offboardingEvent({ accountIds: ['e-1', 'e-2', 'e-missing'] });
    // Act
    await h.invoke(event);
    // Assess
    expect(bus.events).toHaveLength(3);
    expect(bus.calls.filter((c) => c.operation === 'PutEvents')).toHaveLength(1);
    expect(new Set(bus.events.map((e) => e.Source))).toEqual(new Set(['meeting-token-revoker']));
    expect(new Set(bus.events.map((e) => e.EventBusName))).toEqual(new Set(['security-events']));
    const byAccount = Object.fromEntries(bus.details.map((d) => [d['accountId'], d]));
    expect(byAccount['e-1']).toEqual({
      accountId: 'e-1',
      outcome: 'REVOKED',
      trigger: 'offboarding',
      requestId: expect.any(String),
      recordedAt: expect.any(String),
      verified: true,
      correlationId: event.id,
    });
    expect(byAccount['e-missing']).toMatchObject({ outcome: 'NOT_FOUND', correlationId: event.id });
    expect(bus.events.every((e) => e.DetailType === 'Token Revocation Completed')).toBe(true);
  });

  it('announces failures as "Token Revocation Failed"', async () => {
    const t = live('e-down');
    h.meeting.script(t, { status: 403 });
    await h.invoke(offboardingEvent({ accountId: 'e-down' }));
    expect(bus.events.map((e) => e.DetailType)).toEqual(['Token Revocation Failed']);
    expect(bus.details[0]).toMatchObject({ outcome: 'REJECTED' });
  });

  it('sends ten events per PutEvents call', async () => {
    const accountIds = Array.from({ length: 15 }, (_, i) => `batch-${i}`);
    for (const id of accountIds) live(id);
    await h.invoke(offboardingEvent({ accountIds }));
    const calls = bus.calls.filter((c) => c.operation === 'PutEvents');
    expect(calls.map((c) => (c.input['Entries'] as unknown[]).length).sort()).toEqual([10, 5]);
    expect(bus.events).toHaveLength(15);
  });

  it('sends refused entries again', async () => {
    live('e-retry');
    bus.failEntries(() => true, 1);
    await h.invoke(offboardingEvent({ accountId: 'e-retry' }));
    expect(bus.events).toHaveLength(1);
  });

  it('reports events it cannot send, and keeps the outcome and its record', async () => {
    // Prepare
    live('e-lost');
    bus.fail('PutEvents', { type: 'AccessDeniedException' });
    // Act
    const summary = await h.invoke(offboardingEvent({ accountId: 'e-lost' }));
    // Assess
    expect(summary).toEqual({ processed: 1, outcomes: { REVOKED: 1 } });
    expect(await recordsOf(h, 'e-lost')).toHaveLength(1);
    const logs = h.logs.join('');
    expect(logs).toContain('outcome events could not be published');
    expect(logs).toContain('"OutcomeEventsFailed":1');
  });

  it('never carries a token, in any event or log line of this file', () => {
    const everything = [...seen, JSON.stringify(bus.calls), ...h.logs].join('\n');
    expect(everything).toContain('"accountId":"e-1"');
    for (const t of tokens) expect(everything).not.toContain(t);
  });
});
