import { afterAll, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../lambda/commons/errors.js';
import { type Services, servicesOf } from '../../../lambda/composition/services.js';

const minimal = {
  OUTCOME_TABLE_NAME: 'outcomes',
  AWS_REGION: 'eu-west-1',
  AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
};

const built: Services[] = [];
const build = (env: Record<string, string>): Services => {
  const services = servicesOf(env);
  built.push(services);
  return services;
};
afterAll(() => {
  for (const meeting of new Set(built.map((services) => services.meeting))) meeting.close();
});

describe('servicesOf', () => {
  it('builds once per environment and notices a change', () => {
    // Prepare
    const env: Record<string, string> = { ...minimal };
    // Act
    const first = build(env);
    const again = build({ ...env });
    env['SWEEP_CONCURRENCY'] = '3';
    const changed = build(env);
    // Assess
    expect(again).toBe(first);
    expect(changed).not.toBe(first);
    expect(changed.config.sweepConcurrency).toBe(3);
  });

  it('keeps the Huawei client while its options hold, and replaces it when any differs', () => {
    // Prepare
    const base = build({ ...minimal, MEETING_TIMEOUT_MS: '4000' });
    // Act
    const otherTable = build({
      ...minimal,
      MEETING_TIMEOUT_MS: '4000',
      OUTCOME_TABLE_NAME: 'other',
    });
    const otherTimeout = build({
      ...minimal,
      MEETING_TIMEOUT_MS: '4001',
      OUTCOME_TABLE_NAME: 'other',
    });
    // Assess
    expect(otherTable.meeting).toBe(base.meeting);
    expect(otherTable.outcomes).not.toBe(base.outcomes);
    expect(otherTimeout.meeting).not.toBe(base.meeting);
    expect(otherTimeout.meeting.options.timeoutMs).toBe(4001);
  });

  it('wires the optional adapters only when they are configured', () => {
    // Act
    const bare = build({ ...minimal });
    const full = build({
      ...minimal,
      WORK_QUEUE_URL: 'http://127.0.0.1:9/000000000000/work',
      IDEMPOTENCY_TABLE_NAME: 'idempotency',
      OUTCOME_EVENT_BUS_NAME: 'outcomes-bus',
    });
    // Assess
    expect([bare.queue, bare.idempotency, bare.events]).toEqual([undefined, undefined, undefined]);
    expect(full.queue).toBeDefined();
    expect(full.idempotency?.tableName).toBe('idempotency');
    expect(full.events).toBeDefined();
  });

  it('throws a ConfigurationError for an invalid environment and caches nothing', () => {
    // Prepare
    const valid = build({ ...minimal, SWEEP_CONCURRENCY: '5' });
    // Act
    const act = () => servicesOf({ ...minimal, SWEEP_CONCURRENCY: 'many' });
    // Assess
    expect(act).toThrow(ConfigurationError);
    expect(act).toThrow(/^SWEEP_CONCURRENCY: /);
    expect(build({ ...minimal, SWEEP_CONCURRENCY: '5' })).toBe(valid);
  });
});
