import { afterAll, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../lambda/commons/errors.js';
import {
  type BuiltServices,
  buildServices,
  provideServices,
  type ServicesContext,
  type ServicesMiddleware,
} from '../../../lambda/composition/services.js';

const minimal = {
  OUTCOME_TABLE_NAME: 'outcomes',
  AWS_REGION: 'eu-west-1',
  AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
};

const built: BuiltServices[] = [];
const build = (env: Record<string, string>): BuiltServices => {
  const services = buildServices(env);
  built.push(services);
  return services;
};
const middlewares: ServicesMiddleware[] = [];
afterAll(() => {
  for (const services of built) services.close();
  for (const middleware of middlewares) middleware.close();
});

/** What a trigger of one invocation is handed by the middleware. */
const invocation = (middleware: ServicesMiddleware) => {
  const request = { context: {} as ServicesContext };
  (middleware.before as (request: unknown) => void)(request);
  return request.context.services;
};

describe('buildServices', () => {
  it('wires the optional adapters only when they are configured', () => {
    // Act
    const bare = build({ ...minimal }).services;
    const full = build({
      ...minimal,
      WORK_QUEUE_URL: 'http://127.0.0.1:9/000000000000/work',
      IDEMPOTENCY_TABLE_NAME: 'idempotency',
      OUTCOME_EVENT_BUS_NAME: 'outcomes-bus',
    }).services;
    // Assess
    expect([bare.queue, bare.idempotency, bare.events]).toEqual([undefined, undefined, undefined]);
    expect(full.queue).toBeDefined();
    expect(full.idempotency?.tableName).toBe('idempotency');
    expect(full.events).toBeDefined();
  });

  it('builds the Huawei client from the configuration', () => {
    // Act
    const { services } = build({ ...minimal, MEETING_TIMEOUT_MS: '4001', SWEEP_CONCURRENCY: '3' });
    // Assess
    expect(services.meeting.options).toMatchObject({ timeoutMs: 4001, maxSockets: 3 });
    expect(services.config.sweepConcurrency).toBe(3);
  });

  it('throws a ConfigurationError naming the variable for an invalid environment', () => {
    // Act
    const act = () => buildServices({ ...minimal, SWEEP_CONCURRENCY: 'many' });
    // Assess
    expect(act).toThrow(ConfigurationError);
    expect(act).toThrow(/^SWEEP_CONCURRENCY: /);
  });
});

describe('provideServices', () => {
  it('builds the services at the first ask and hands the same ones to every later invocation', () => {
    // Prepare
    const env: Record<string, string> = { ...minimal };
    const middleware = provideServices(env);
    middlewares.push(middleware);
    const first = invocation(middleware);
    // Act
    const services = first();
    env['SWEEP_CONCURRENCY'] = '3'; // Lambda's never changes; a change is not looked for
    const later = invocation(middleware)();
    // Assess
    expect(first()).toBe(services);
    expect(first.built).toBe(services);
    expect(later).toBe(services);
    expect(later.config.sweepConcurrency).toBe(8);
  });

  it('builds nothing until a trigger asks', () => {
    // Prepare
    const middleware = provideServices({ ...minimal, SWEEP_CONCURRENCY: 'many' });
    middlewares.push(middleware);
    // Act
    const provide = invocation(middleware);
    // Assess: an invalid configuration is only raised when asked for
    expect(provide.built).toBeUndefined();
    expect(() => provide()).toThrow(/^SWEEP_CONCURRENCY: /);
  });

  it('caches nothing when the configuration is invalid', () => {
    // Prepare
    const env: Record<string, string> = { ...minimal, SWEEP_CONCURRENCY: 'many' };
    const middleware = provideServices(env);
    middlewares.push(middleware);
    expect(() => invocation(middleware)()).toThrow(ConfigurationError);
    // Act
    env['SWEEP_CONCURRENCY'] = '5';
    const services = invocation(middleware)();
    // Assess
    expect(services.config.sweepConcurrency).toBe(5);
  });

  it('builds anew after close', () => {
    // Prepare
    const middleware = provideServices({ ...minimal });
    middlewares.push(middleware);
    const before = invocation(middleware)();
    // Act
    middleware.close();
    const after = invocation(middleware)();
    // Assess
    expect(after).not.toBe(before);
  });
});
