// The composition root: the one place that reads the configuration and the AWS clients and wires
// the adapters for them. Triggers receive the services from here (the handler hands them a
// provider) and never build their own.

import { isDeepStrictEqual } from 'node:util';
import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { Idempotency } from '../adapters/idempotency.js';
import { MeetingClient, type MeetingClientOptions } from '../adapters/meeting/MeetingClient.js';
import { OutcomeEvents } from '../adapters/OutcomeEvents.js';
import { OutcomeStore } from '../adapters/OutcomeStore.js';
import { SecretStore } from '../adapters/secrets/SecretStore.js';
import { SecretVersions } from '../adapters/secrets/SecretVersions.js';
import { WorkQueueSender } from '../adapters/WorkQueueSender.js';
import type { RevocationServices } from '../core/ports.js';
import { type Clients, createClients, destroyClients, ENDPOINT_SETTINGS } from './clients.js';
import { CONFIG_VARIABLES, type Config, type Env, parseConfig } from './config.js';

/** Every adapter of a deployment; it is, among others, what the revocation core needs. */
export interface Services extends RevocationServices {
  config: Config;
  secrets: SecretStore;
  /** Version-level reads and stage moves of account secrets (rotation, offboarding). */
  versions: SecretVersions;
  outcomes: OutcomeStore;
  meeting: MeetingClient;
  /** Present when OUTCOME_EVENT_BUS_NAME is set. */
  events: OutcomeEvents | undefined;
  /** Present when WORK_QUEUE_URL is set. */
  queue: WorkQueueSender | undefined;
  /** Present when IDEMPOTENCY_TABLE_NAME is set. */
  idempotency: Idempotency | undefined;
}

/** Everything the Huawei client is built from: a change of any of it builds a new client. */
const meetingOptionsOf = (config: Config): MeetingClientOptions => ({
  baseUrl: config.meetingApiBaseUrl,
  acceptLanguage: config.acceptLanguage,
  timeoutMs: config.timeoutMs,
  maxAttempts: config.maxAttempts,
  retryBaseMs: config.retryBaseMs,
  maxSockets: config.sweepConcurrency,
});

const keyOf = (env: Env, names: readonly string[]): string =>
  names.map((name) => env[name] ?? '\u0000').join('\u0001');

/**
 * The one cache keyed on the environment. Lambda's environment never changes within a process;
 * local mode and the tests change `process.env` under one loaded bundle, and a changed
 * environment must be noticed rather than ignored. A warm invocation pays for two string joins.
 */
let servicesForEnvironment:
  | { configKey: string; endpointKey: string; clients: Clients; services: Services }
  | undefined;

/**
 * The services of the current environment: built on first use and reused while it holds, so that
 * warm invocations reuse clients and the upstream connection pool. Throws a ConfigurationError
 * naming the variable when the configuration is invalid (and caches nothing then).
 */
export const servicesOf = (env: Env = process.env): Services => {
  const configKey = keyOf(env, CONFIG_VARIABLES);
  const endpointKey = keyOf(env, ENDPOINT_SETTINGS);
  const cached = servicesForEnvironment;
  if (cached?.configKey === configKey && cached.endpointKey === endpointKey) {
    return cached.services;
  }
  const config = cached?.configKey === configKey ? cached.services.config : parseConfig(env);
  // New endpoints get new clients; the old ones are closed, never left talking to the old place.
  const clients = cached?.endpointKey === endpointKey ? cached.clients : createClients();
  if (cached && cached.clients !== clients) destroyClients(cached.clients);
  const previous = cached?.services;
  const meetingOptions = meetingOptionsOf(config);
  // Compared as a whole, so that an option added later cannot leave a stale client in use.
  const meeting =
    previous && isDeepStrictEqual(previous.meeting.options, meetingOptions)
      ? previous.meeting
      : new MeetingClient(meetingOptions);
  if (previous && previous.meeting !== meeting) previous.meeting.close();
  const services: Services = {
    config,
    secrets: new SecretStore(clients.secrets, config.secretPrefix, config.secretTokenField),
    versions: new SecretVersions(clients.secrets),
    outcomes: new OutcomeStore(clients.documents, config.outcomeTableName),
    meeting,
    events: config.outcomeEventBusName
      ? new OutcomeEvents(clients.eventBridge, config.outcomeEventBusName)
      : undefined,
    queue: config.workQueueUrl ? new WorkQueueSender(clients.sqs, config.workQueueUrl) : undefined,
    idempotency: config.idempotencyTableName
      ? new Idempotency(clients.dynamo, config.idempotencyTableName)
      : undefined,
  };
  servicesForEnvironment = { configKey, endpointKey, clients, services };
  return services;
};

/**
 * What a trigger is handed: the services of this invocation, built when first asked for, so that
 * a trigger decides when a configuration error is raised (the HTTP API answers it as JSON).
 */
export interface ServicesProvider {
  (): Services;
  /** The services handed out during this invocation, if any were asked for. */
  built?: Services;
}

export type ServicesContext = Context & { services: ServicesProvider };

const providerOf = (): ServicesProvider => {
  const provide: ServicesProvider = () => {
    provide.built ??= servicesOf();
    return provide.built;
  };
  return provide;
};

/**
 * Puts the services provider on Middy's `request.context`, and sends the outcome events the
 * invocation queued before it ends, whatever its result.
 */
export const provideServices = (): MiddlewareObj<unknown, unknown, Error, ServicesContext> => {
  const flush = async (request: { context: ServicesContext }) => {
    await request.context.services?.built?.events?.flush();
  };
  return {
    before: (request) => {
      request.context.services = providerOf();
    },
    after: flush,
    onError: flush,
  };
};
