// The gate that applies the adaptive limit to real attempts: waiting line, retries first.
import { describe, expect, it } from 'vitest';
import { AttemptGate } from '../../../lambda/core/AttemptGate.js';
import type { AttemptPermit } from '../../../lambda/core/ports.js';

const flush = () => new Promise((resolve) => setImmediate(resolve));

/** Serves full windows of attempts until slow start has brought the limit to `limit`. */
const warm = async (gate: AttemptGate, limit: number) => {
  while (gate.limit < limit) {
    const window = await Promise.all(Array.from({ length: gate.limit }, () => gate.acquire(false)));
    for (const permit of window) gate.release(permit, 'served');
  }
};

describe('AttemptGate', () => {
  it('admits up to the limit and the next one when a permit comes back', async () => {
    // Prepare
    const gate = new AttemptGate(2);
    await warm(gate, 2);
    const admitted: AttemptPermit[] = [];
    for (let i = 0; i < 3; i += 1) void gate.acquire(false).then((p) => admitted.push(p));
    await flush();
    expect(admitted).toHaveLength(2);
    // Act
    gate.release(admitted[0]!, 'served');
    await flush();
    // Assess
    expect(admitted).toHaveLength(3);
  });

  it('shrinks on a 429 to what was accepted and admits nothing new until fewer are in flight', async () => {
    // Prepare
    const gate = new AttemptGate(8);
    await warm(gate, 8);
    expect(gate.lowest).toBe(8);
    const permits = await Promise.all(Array.from({ length: 8 }, () => gate.acquire(false)));
    let waiting = 0;
    void gate.acquire(false).then(() => (waiting += 1));
    // Act: the 7th admitted is throttled; 6 were accepted with it
    gate.release(permits[6]!, 'throttled');
    await flush();
    // Assess: 7 in flight, a limit of 6: the waiting one stays waiting
    expect(gate.limit).toBe(6);
    expect(gate.lowest).toBe(6);
    expect(gate.throttledAttempts).toBe(1);
    expect(waiting).toBe(0);
    gate.release(permits[0]!, 'served');
    gate.release(permits[1]!, 'served');
    await flush();
    expect(waiting).toBe(1);
  });

  it('takes answers already back for no evidence: only earlier attempts still out count as accepted', async () => {
    // Prepare
    const gate = new AttemptGate(8);
    await warm(gate, 8);
    const permits = await Promise.all(Array.from({ length: 8 }, () => gate.acquire(false)));
    for (const permit of permits.slice(0, 3)) gate.release(permit, 'served');
    // Act: the 8th is throttled while the 4th to 7th are still out
    gate.release(permits[7]!, 'throttled');
    // Assess
    expect(gate.limit).toBe(4);
  });

  it("probes above the level throttled only once its 429's Retry-After periods have passed", async () => {
    // Prepare: a clock the test moves; 8 in flight, the 8th throttled with Retry-After 1 s
    let now = 0;
    const gate = new AttemptGate(16, () => now);
    await warm(gate, 8);
    const permits = await Promise.all(Array.from({ length: 8 }, () => gate.acquire(false)));
    gate.release(permits[7]!, 'throttled', 1_000);
    for (const permit of permits.slice(0, 7)) gate.release(permit, 'served');
    expect(gate.limit).toBe(7);
    const serveWindows = async (windows: number) => {
      for (let w = 0; w < windows; w += 1) {
        const window = await Promise.all(
          Array.from({ length: gate.limit }, () => gate.acquire(false)),
        );
        for (const permit of window) gate.release(permit, 'served');
      }
    };
    // Act, Assess: many full windows within the probe interval grow nothing
    await serveWindows(20);
    expect(gate.limit).toBe(7);
    now = 4_000;
    await serveWindows(1);
    expect(gate.limit).toBe(8);
  });

  it('lets the retry of a throttled attempt go before the fresh ones', async () => {
    // Prepare
    const gate = new AttemptGate(1);
    const first = await gate.acquire(false);
    const order: string[] = [];
    void gate.acquire(false).then((p) => {
      order.push('fresh');
      gate.release(p, 'served');
    });
    void gate.acquire(true).then((p) => {
      order.push('retry');
      gate.release(p, 'served');
    });
    // Act
    gate.release(first, 'served');
    await flush();
    // Assess
    expect(order).toEqual(['retry', 'fresh']);
  });

  it('neither grows nor shrinks on a fault', async () => {
    // Prepare
    const gate = new AttemptGate(4);
    const permit = await gate.acquire(false);
    // Act
    gate.release(permit, 'neutral');
    // Assess
    expect(gate.limit).toBe(4);
    expect(gate.throttledAttempts).toBe(0);
  });
});
