// Redaction in depth (docs/INTERFACE.md, "What never happens"): a Meeting API that echoes the token in its error bodies and
// headers, through every trigger of the built bundle, leaves it in no log, answer, record, event or
// error; and the Logger masks credential-like fields wherever they are nested.
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { logger } from '../../lambda/commons/powertools.js';
import { MASK, rememberSecret } from '../../lambda/commons/redaction.js';
import { EventBridgeStandIn } from '../support/EventBridgeStandIn.js';
import { httpEvent, offboardingEvent, scheduleEvent, sqsEvent } from '../support/events.js';
import {
  type Harness,
  IDEMPOTENCY_TABLE,
  newToken,
  OUTCOME_TABLE,
  startHarness,
} from '../support/harness.js';
import { recordsOf } from '../support/records.js';

let h: Harness;
let bus: EventBridgeStandIn;
/** Every answer, thrown error and summary the function gave in this file. */
const answers: string[] = [];

/** What the simulator sends back: the token in the message, in headers, anywhere it can. */
const echoing = (token: string, status: number) => ({
  status,
  body: {
    error_code: 'USG.000000001',
    error_msg: `The token ${token} is invalid or expired.`,
    request_id: token,
    token,
  },
  headers: {
    'X-Access-Token': token,
    'Set-Cookie': `session=${token}; HttpOnly`,
    'WWW-Authenticate': `Bearer error="invalid_token", token="${token}"`,
    'X-Debug': `received X-Access-Token: ${token}`,
  },
});

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

const scan = async (table: string): Promise<string> => {
  const { Items = [] } = await h.dynamo.documentClient.send(new ScanCommand({ TableName: table }));
  return JSON.stringify(Items);
};

/** Everything the function left behind that a person or a system could read. */
const everything = async (): Promise<string> =>
  [
    ...h.logs,
    ...answers,
    await scan(OUTCOME_TABLE),
    await scan(IDEMPOTENCY_TABLE),
    JSON.stringify(h.sqs.messages),
    JSON.stringify(bus.calls),
  ].join('\n');

beforeAll(async () => {
  [h, bus] = await Promise.all([startHarness(), EventBridgeStandIn.start()]);
  process.env['AWS_ENDPOINT_URL_EVENTBRIDGE'] = bus.endpoint;
});
beforeEach(async () => {
  await h.reset();
  bus.reset();
  answers.length = 0;
  Object.assign(process.env, {
    IDEMPOTENCY_TABLE_NAME: IDEMPOTENCY_TABLE,
    OUTCOME_EVENT_BUS_NAME: 'security-events',
    VERIFY_REVOCATION: 'true',
  });
});
afterEach(() => {
  for (const name of ['IDEMPOTENCY_TABLE_NAME', 'OUTCOME_EVENT_BUS_NAME', 'VERIFY_REVOCATION']) {
    delete process.env[name];
  }
});
afterAll(async () => {
  await Promise.all([h.stop(), bus.stop()]);
});

describe('a Meeting API that echoes the token back', () => {
  it.each([400, 401, 403, 429, 500])(
    'HTTP: a %i with the token in body and headers leaves it nowhere',
    async (status) => {
      // Prepare
      const t = newToken();
      h.addAccount('svc-echo', t);
      h.meeting.script(t, echoing(t, status));
      // Act
      await invoke(
        httpEvent({
          method: 'POST',
          path: '/revocations',
          body: { accountId: 'svc-echo', reason: 'echo test' },
          headers: { 'Idempotency-Key': `echo-${status}` },
        }),
      );
      await invoke(httpEvent({ method: 'GET', path: '/revocations/svc-echo' }));
      // Assess: the simulator did echo it, the capture saw the revocation, and the token is absent
      expect(h.meeting.callsFor(t).length).toBeGreaterThan(0);
      const [record] = await recordsOf(h, 'svc-echo');
      expect(record).toMatchObject({ upstreamStatus: status, upstreamErrorCode: 'USG.000000001' });
      const all = await everything();
      expect(all).toContain('"message":"revocation recorded"');
      expect(all).not.toContain(t);
    },
  );

  it('offboarding, the sweep and the work queue leave it nowhere either', async () => {
    // Prepare: one account per trigger, each answered with echoes (500 fails every trigger loudly)
    const tokens = ['leaver-echo', 'sweep-echo', 'queue-echo'].map((accountId) => {
      const t = newToken();
      h.addAccount(accountId, t);
      h.meeting.script(t, echoing(t, accountId === 'leaver-echo' ? 500 : 403));
      return t;
    });
    // Act
    await invoke(offboardingEvent({ accountId: 'leaver-echo' }));
    await invoke(scheduleEvent());
    await invoke(
      sqsEvent([
        { messageId: 'm-echo', body: { accountId: 'queue-echo', trigger: 'offboarding' } },
      ]),
    );
    // Assess
    expect(answers.some((a) => a.includes('RevocationsFailedError'))).toBe(true);
    expect(bus.calls.length).toBeGreaterThan(0);
    const all = await everything();
    for (const t of tokens) expect(all).not.toContain(t);
  });

  it('does not store or return an error code that carries the token', async () => {
    // Prepare: a token shaped like the code's tail makes "USG.<token>" pass the code's pattern
    const t = newToken();
    h.addAccount('svc-code', t);
    h.meeting.script(t, { status: 403, body: { error_code: `USG.${t}`, error_msg: 'no' } });
    // Act
    await invoke(
      httpEvent({ method: 'POST', path: '/revocations', body: { accountId: 'svc-code' } }),
    );
    // Assess
    expect(`USG.${t}`).toMatch(/^[A-Z]+\.[0-9A-Za-z]+$/);
    const [record] = await recordsOf(h, 'svc-code');
    expect(record).toMatchObject({ outcome: 'REJECTED', upstreamStatus: 403 });
    expect(record).not.toHaveProperty('upstreamErrorCode');
    expect(await everything()).not.toContain(t);
  });

  it.each([
    ['lower-case', 'usg.000000004'],
    ['with spaces', 'USG 000000004'],
    ['too long', `USG.${'0'.repeat(61)}`],
    ['a number', 4],
  ])('stores no error code that is %s', async (_name, code) => {
    const t = newToken();
    h.addAccount('svc-badcode', t);
    h.meeting.script(t, { status: 400, body: { error_code: code } });
    await invoke(
      httpEvent({ method: 'POST', path: '/revocations', body: { accountId: 'svc-badcode' } }),
    );
    const [record] = await recordsOf(h, 'svc-badcode');
    expect(record).toMatchObject({ outcome: 'REJECTED', upstreamStatus: 400 });
    expect(record).not.toHaveProperty('upstreamErrorCode');
  });
});

describe('the Logger', () => {
  let lines: string[];
  let restore: () => void;

  beforeEach(() => {
    lines = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => {
      lines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }) as typeof process.stdout.write;
    restore = () => {
      process.stdout.write = write;
    };
  });
  afterEach(() => restore());

  const logged = (): Record<string, unknown> => {
    const line = lines.find((l) => l.includes('"message":"x"'));
    if (!line) throw new Error(`nothing logged: ${lines.join('')}`);
    return JSON.parse(line) as Record<string, unknown>;
  };

  it('masks the token, X-Access-Token and authorization wherever they are nested', () => {
    // Prepare
    const t = newToken();
    // Act
    logger.info('x', {
      accessToken: t,
      headers: { 'X-Access-Token': t, authorization: `Bearer ${t}`, Cookie: `s=${t}` },
      request: { options: { headers: { 'x-access-token': t, Authorization: t } } },
      attempts: [{ token: t }, { access_token: t }],
      accountId: 'svc-1',
    });
    restore();
    // Assess
    const line = logged();
    expect(JSON.stringify(line)).not.toContain(t);
    expect(line).toMatchObject({
      accessToken: MASK,
      headers: { 'X-Access-Token': MASK, authorization: MASK, Cookie: MASK },
      request: { options: { headers: { 'x-access-token': MASK, Authorization: MASK } } },
      attempts: [{ token: MASK }, { access_token: MASK }],
      accountId: 'svc-1',
    });
  });

  it.each([
    'access-token',
    'Access-Token',
    'X-Auth-Token',
    'x-amz-security-token',
    'idToken',
    'refresh_token',
    'sessionToken',
    'clientSecret',
    'client_secret',
    'api-key',
    'Proxy-Authorization',
    'Set-Cookie',
    'PASSWORD',
  ])('masks a field named %s', (key) => {
    const t = newToken();
    logger.info('x', { headers: { [key]: t } });
    restore();
    expect(logged()).toMatchObject({ headers: { [key]: MASK } });
  });

  it.each(['tokenFingerprint', 'secretVersionId', 'secretName', 'requestId', 'accountId'])(
    'leaves %s readable',
    (key) => {
      logger.info('x', { [key]: 'value-1' });
      restore();
      expect(logged()).toMatchObject({ [key]: 'value-1' });
    },
  );

  it('scrubs a token in use from messages, free text and errors, under any key', () => {
    // Prepare
    const t = newToken();
    const forget = rememberSecret(t);
    try {
      // Act
      logger.info(`x`, {
        note: `upstream said ${t} is bad`,
        error: new Error(`request with ${t} failed`, { cause: new Error(`inner ${t}`) }),
        list: [`a ${t}`],
      });
      logger.info(`x ${t}`);
    } finally {
      forget();
      restore();
    }
    // Assess
    const all = lines.join('');
    expect(all).toContain(`upstream said ${MASK} is bad`);
    expect(all).not.toContain(t);
  });
});
