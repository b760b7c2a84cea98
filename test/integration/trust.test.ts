// The trust defects, reproduced through the built bundle: several handler instances (separate
// imports of dist/handler.mjs, as separate Lambda environments would be) race on one set of
// stand-ins. When the tool says a token is dead, it is; when it answers, its record exists.
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { httpEvent, offboardingEvent, scheduleEvent } from '../support/events.js';
import {
  type BundleHandler,
  bundleHandler,
  type Harness,
  IDEMPOTENCY_TABLE,
  newToken,
  OUTCOME_TABLE,
  PREFIX,
  startHarness,
} from '../support/harness.js';
import { fakeContext } from '../support/lambdaContext.js';
import { recordsOf } from '../support/records.js';

const INSTANCES = 20;
const BURST = 200;
// Bursts of 200 on a shared 2-core machine: a generous bound, never an assertion on time.

let h: Harness;
let instances: BundleHandler[];

beforeAll(async () => {
  h = await startHarness();
  instances = Array.from({ length: INSTANCES }, () => bundleHandler());
});
afterAll(async () => {
  await Promise.all(instances.map((instance) => instance.close()));
  await h?.stop();
});
afterEach(async () => {
  vi.useRealTimers();
  delete process.env['IDEMPOTENCY_TABLE_NAME'];
  await h.reset();
});

interface Answer {
  statusCode: number;
  body: string;
  json: Record<string, unknown>;
}

const post = async (
  body: unknown,
  options: { headers?: Record<string, string>; userArn?: string; instance?: number } = {},
): Promise<Answer> => {
  const handler = instances[(options.instance ?? 0) % INSTANCES] as BundleHandler;
  const response = (await handler(
    httpEvent({
      method: 'POST',
      path: '/revocations',
      body: typeof body === 'string' ? body : JSON.stringify(body),
      headers: { 'content-type': 'application/json', ...options.headers },
      userArn: options.userArn ?? 'arn:aws:iam::123456789012:role/ops',
    }),
    fakeContext(),
  )) as { statusCode: number; body: string };
  return { ...response, json: JSON.parse(response.body) as Record<string, unknown> };
};

const deletes = () => h.meeting.requests.filter((request) => request.method === 'DELETE');

const internalItems = async (accountId: string) => {
  const { Items = [] } = await h.dynamo.documentClient.send(
    new QueryCommand({
      TableName: OUTCOME_TABLE,
      KeyConditionExpression: 'accountId = :a',
      ExpressionAttributeValues: { ':a': accountId },
    }),
  );
  return Items.filter((item) => item['outcome'] === undefined);
};

describe('a malformed secret is never sent as a token', () => {
  it.each([
    ['a trailing comma', (t: string) => `{"accessToken":"${t}","appSecret":"S3cr3tS3cr3t",}`],
    ['a quoted string', (t: string) => JSON.stringify(t)],
    ['an array', (t: string) => JSON.stringify([t])],
    ['a token that is not a string', () => '{"accessToken": 12345678901234}'],
  ])('%s: FAILED secret-malformed, no upstream call, no marker', async (_, secretOf) => {
    const token = newToken();
    h.meeting.addToken(token);
    h.secrets.put(`${PREFIX}malformed-1`, secretOf(token));
    for (let i = 0; i < 2; i += 1) {
      const answer = await post({ accountId: 'malformed-1' });
      expect(answer.statusCode).toBe(503);
      expect(answer.json['outcome']).toBe('FAILED');
    }
    expect(deletes()).toHaveLength(0);
    expect(h.meeting.isLive(token)).toBe(true);
    const records = await recordsOf(h, 'malformed-1');
    expect(records.map((r) => r['failure'])).toEqual(['secret-malformed', 'secret-malformed']);
    expect(await internalItems('malformed-1')).toEqual([]);
    expect(h.logs.join('')).not.toContain(token);
  });
});

describe('a 401 proves nothing', () => {
  it('a second revocation after a 401 calls Huawei again', async () => {
    const token = newToken(); // unknown to this site: answers 401
    h.secrets.put(`${PREFIX}other-site`, JSON.stringify({ accessToken: token }));
    const first = await post({ accountId: 'other-site' });
    const second = await post({ accountId: 'other-site' });
    expect([first.json['outcome'], second.json['outcome']]).toEqual([
      'ALREADY_INVALID',
      'ALREADY_INVALID',
    ]);
    expect(h.meeting.callsFor(token)).toHaveLength(2);
  });

  it('a sweep in which every called token answered 401 warns and emits AllTokensUnauthorized', async () => {
    for (const id of ['site-a', 'site-b']) {
      h.secrets.put(`${PREFIX}${id}`, JSON.stringify({ accessToken: newToken() }));
    }
    await h.invoke(scheduleEvent());
    const lines = h.logs.join('');
    expect(lines).toMatch(/"level":"WARN".*MEETING_API_BASE_URL/);
    expect(lines).toContain('"AllTokensUnauthorized"');
  });

  it('no warning when one token of the event was revoked', async () => {
    const live = newToken();
    h.addAccount('live-1', live);
    h.secrets.put(`${PREFIX}dead-1`, JSON.stringify({ accessToken: newToken() }));
    await h.invoke(offboardingEvent({ accountIds: ['live-1', 'dead-1'] }));
    expect(h.logs.join('')).not.toContain('AllTokensUnauthorized');
  });
});

describe('every answer has its own record', () => {
  it(`${BURST} concurrent POSTs sharing one X-Request-ID leave ${BURST} records`, async () => {
    const token = newToken();
    h.addAccount('shared-id', token);
    expect((await post({ accountId: 'shared-id' })).json['outcome']).toBe('REVOKED');
    const requestId = '0b6a9c59-8d61-4a43-9b1e-1f3b8f8c2a11';
    // Every write in one millisecond: the closest two writes can ever be.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    const answers = await Promise.all(
      Array.from({ length: BURST }, (_, i) =>
        post(
          { accountId: 'shared-id', reason: `ticket ${i}` },
          {
            headers: { 'x-request-id': requestId },
            userArn: `arn:aws:iam::123456789012:user/caller-${i}`,
            instance: i,
          },
        ),
      ),
    );
    vi.useRealTimers();
    expect(answers.filter((a) => a.statusCode === 200)).toHaveLength(BURST);
    const records = (await recordsOf(h, 'shared-id')).filter((r) => r['requestId'] === requestId);
    expect(records).toHaveLength(BURST);
    expect(new Set(records.map((r) => r['actor'])).size).toBe(BURST);
    expect(new Set(records.map((r) => r['recordId'])).size).toBe(BURST);
  }, 60_000);
});

describe('Idempotency-Key: the first answer wins', () => {
  it(`${BURST} concurrent POSTs with one key make one upstream call`, async () => {
    process.env['IDEMPOTENCY_TABLE_NAME'] = IDEMPOTENCY_TABLE;
    const token = newToken();
    h.addAccount('idem-1', token);
    const answers = await Promise.all(
      Array.from({ length: BURST }, (_, i) =>
        post({ accountId: 'idem-1' }, { headers: { 'idempotency-key': 'k-1' }, instance: i }),
      ),
    );
    expect(h.meeting.callsFor(token)).toHaveLength(1);
    const done = answers.filter((a) => a.statusCode === 200);
    expect(done.length).toBeGreaterThan(0);
    expect(new Set(done.map((a) => a.body)).size).toBe(1);
    expect(done[0]?.json['outcome']).toBe('REVOKED');
    for (const other of answers.filter((a) => a.statusCode !== 200)) {
      expect(other.statusCode).toBe(409);
    }
    expect(await recordsOf(h, 'idem-1')).toHaveLength(1);
  }, 60_000);

  it('without an idempotency table the header is refused, and nothing is called', async () => {
    const token = newToken();
    h.addAccount('idem-2', token);
    const answer = await post({ accountId: 'idem-2' }, { headers: { 'idempotency-key': 'k-2' } });
    expect(answer.statusCode).toBe(400);
    expect((answer.json['error'] as Record<string, unknown>)['code']).toBe(
      'IDEMPOTENCY_UNAVAILABLE',
    );
    expect(h.meeting.callsFor(token)).toHaveLength(0);
  });
});

describe('a burst for one account makes one upstream call', () => {
  it(`${BURST} concurrent POSTs across ${INSTANCES} instances: 1 DELETE, ${BURST} records`, async () => {
    const token = newToken();
    h.addAccount('burst-1', token);
    const answers = await Promise.all(
      Array.from({ length: BURST }, (_, i) => post({ accountId: 'burst-1' }, { instance: i })),
    );
    expect(h.meeting.callsFor(token)).toHaveLength(1);
    const outcomes = answers.map((a) => a.json['outcome']);
    expect(outcomes.filter((o) => o === 'REVOKED')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'ALREADY_REVOKED')).toHaveLength(BURST - 1);
    const records = await recordsOf(h, 'burst-1');
    expect(records).toHaveLength(BURST);
    expect(records.filter((r) => r['outcome'] === 'ALREADY_INVALID')).toHaveLength(0);
    // The table expires items on `expiresAt`: only claims may carry it, never a record or marker.
    const { Items = [] } = await h.dynamo.documentClient.send(
      new QueryCommand({
        TableName: OUTCOME_TABLE,
        KeyConditionExpression: 'accountId = :a',
        ExpressionAttributeValues: { ':a': 'burst-1' },
      }),
    );
    const expiring = Items.filter((item) => item['expiresAt'] !== undefined);
    expect(expiring.length).toBeGreaterThan(0);
    for (const item of expiring) expect(String(item['recordId'])).toMatch(/^~claim#/);
    expect(Items.length - expiring.length).toBeGreaterThan(BURST);
  }, 60_000);

  it('concurrent revocations of a token the site does not know share its one 401', async () => {
    const token = newToken();
    h.secrets.put(`${PREFIX}burst-401`, JSON.stringify({ accessToken: token }));
    h.meeting.latencyMs = 500; // all twenty arrive while the first call is in flight
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => post({ accountId: 'burst-401' }, { instance: i })),
    );
    expect(h.meeting.callsFor(token)).toHaveLength(1);
    expect(new Set(answers.map((a) => a.json['outcome']))).toEqual(new Set(['ALREADY_INVALID']));
    expect(await recordsOf(h, 'burst-401')).toHaveLength(20);
    // Settled with a 401, the claim proves nothing: the next revocation calls again.
    await post({ accountId: 'burst-401' });
    expect(h.meeting.callsFor(token)).toHaveLength(2);
  });

  it('a claim whose owner died does not block the version', async () => {
    const token = newToken();
    const versionId = h.addAccount('orphan-1', token);
    await h.dynamo.documentClient.send(
      new PutCommand({
        TableName: OUTCOME_TABLE,
        Item: {
          accountId: 'orphan-1',
          recordId: `~claim#${versionId}`,
          owner: 'a-dead-invocation',
          leaseUntil: Date.now() - 1000,
        },
      }),
    );
    const answer = await post({ accountId: 'orphan-1' });
    expect(answer.json['outcome']).toBe('REVOKED');
    expect(h.meeting.isLive(token)).toBe(false);
  });
});

describe('hostile request bodies', () => {
  it.each([
    ['a bidi override', 'SEC-1 \u202egnissecorp\u202c'],
    ['a control character', 'line\u0007bell'],
    ['a newline', 'two\nlines'],
    ['a lone surrogate', 'half \ud800 pair'],
  ])('a reason with %s is refused with 400 before any call', async (_, reason) => {
    const token = newToken();
    h.addAccount('reason-1', token);
    const answer = await post({ accountId: 'reason-1', reason });
    expect(answer.statusCode).toBe(400);
    expect(h.meeting.callsFor(token)).toHaveLength(0);
  });

  it('an ordinary reason with accents and emoji is accepted', async () => {
    h.addAccount('reason-2', newToken());
    const answer = await post({ accountId: 'reason-2', reason: 'Départ de Zoë 👋🏽 (ticket #42)' });
    expect(answer.statusCode).toBe(200);
  });

  it.each([
    '{"accountId":"demo-x!","accountId":"other"}',
    '{"accountId":"other","reason":"a","reason":"b"}',
    '{"accountId":"other","\\u0061ccountId":"other"}',
  ])('a body with duplicate keys is refused: %s', async (body) => {
    const token = newToken();
    h.addAccount('other', token);
    const answer = await post(body);
    expect(answer.statusCode).toBe(400);
    expect(h.meeting.callsFor(token)).toHaveLength(0);
  });
});
