// POWERTOOLS_TRACE_ENABLED=true loads Powertools Tracer (lazily, at start-up) and wraps every AWS
// client; the revocation path must work the same with it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpEvent } from '../support/events.js';
import { type Harness, newToken, startHarness } from '../support/harness.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ POWERTOOLS_TRACE_ENABLED: 'true' });
});
afterAll(async () => {
  await h.stop();
});

describe('with per-call tracing on', () => {
  it('revokes and records as without it', async () => {
    // Prepare
    const t = newToken();
    h.addAccount('traced-1', t);
    // Act
    const response = (await h.invoke(
      httpEvent({ method: 'POST', path: '/revocations', body: { accountId: 'traced-1' } }),
    )) as { statusCode: number; body: string };
    // Assess
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ outcome: 'REVOKED' });
    expect(h.meeting.isLive(t)).toBe(false);
    expect(h.logs.join('')).not.toContain(t);
  });
});
