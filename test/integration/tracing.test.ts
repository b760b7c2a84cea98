// POWERTOOLS_TRACE_ENABLED=true loads Powertools Tracer at start-up and wraps every AWS client:
// the revocation path must work the same, and the X-Ray subsegments must really be emitted (to a
// stand-in X-Ray daemon on 127.0.0.1, as the Lambda runtime's daemon would receive them).
import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpEvent } from '../support/events.js';
import { type Harness, newToken, startHarness } from '../support/harness.js';

let h: Harness;
let daemon: Socket;
const segments: string[] = [];

beforeAll(async () => {
  daemon = createSocket('udp4');
  daemon.on('message', (message) => segments.push(message.toString('utf8')));
  await new Promise<void>((resolve) => daemon.bind(0, '127.0.0.1', () => resolve()));
  const { port } = daemon.address() as AddressInfo;
  h = await startHarness({
    POWERTOOLS_TRACE_ENABLED: 'true',
    // What the Lambda runtime sets: the X-Ray SDK then works in Lambda mode, under the
    // invocation's facade segment, and sends subsegments to the daemon.
    LAMBDA_TASK_ROOT: '/var/task',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${port}`,
    AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
    _X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
  });
});
afterAll(async () => {
  await h.stop();
  daemon.close();
  for (const name of [
    'LAMBDA_TASK_ROOT',
    'AWS_EXECUTION_ENV',
    'AWS_XRAY_DAEMON_ADDRESS',
    '_X_AMZN_TRACE_ID',
  ]) {
    delete process.env[name];
  }
});

describe('with per-call tracing on', () => {
  it('revokes and records as without it, and traces every AWS call', async () => {
    // Prepare
    const t = newToken();
    h.addAccount('traced-1', t);
    // Act
    const response = (await h.invoke(
      httpEvent({ method: 'POST', path: '/revocations', body: { accountId: 'traced-1' } }),
    )) as { statusCode: number; body: string };
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Assess
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ outcome: 'REVOKED' });
    expect(h.meeting.isLive(t)).toBe(false);
    const sent = segments.join('\n');
    expect(sent).toContain('"name":"SecretsManager"');
    expect(sent).toContain('"name":"DynamoDB"');
    expect(sent).not.toContain(t);
    expect(h.logs.join('')).not.toContain(t);
  });
});
