// The composition root: the one place that reads the configuration and the AWS clients and wires
// the adapters for them. Triggers receive the services from here (the handler hands them a
// provider) and never build their own.

import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { Idempotency } from '../adapters/idempotency.js';
import { MeetingClient } from '../adapters/meeting/MeetingClient.js';
import { OutcomeEvents } from '../adapters/OutcomeEvents.js';
import { OutcomeStore } from '../adapters/OutcomeStore.js';
import { SecretStore } from '../adapters/secrets/SecretStore.js';
import { SecretVersions } from '../adapters/secrets/SecretVersions.js';
import { WorkQueueSender } from '../adapters/WorkQueueSender.js';
import type { RevocationServices } from '../core/ports.js';
import { Clients } from './clients.js';
import { type Config, type Env, parseConfig } from './config.js';

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

/**
 * Builds the services of an environment. Throws a ConfigurationError naming the variable when
 * the configuration is invalid. Each AWS client is built when an adapter first needs it.
 */
export const buildServices = (env: Env = process.env): BuiltServices => {
  const config = parseConfig(env);
  const clients = new Clients();
  const meeting = new MeetingClient({
    baseUrl: config.meetingApiBaseUrl,
    acceptLanguage: config.acceptLanguage,
    timeoutMs: config.timeoutMs,
    maxAttempts: config.maxAttempts,
    retryBaseMs: config.retryBaseMs,
    maxSockets: config.sweepConcurrency,
  });
  const services: Services = {
    config,
    secrets: new SecretStore(clients.secrets(), config.secretPrefix, config.secretTokenField),
    versions: new SecretVersions(clients.secrets()),
    outcomes: new OutcomeStore(clients.documents(), config.outcomeTableName),
    meeting,
    events: config.outcomeEventBusName
      ? new OutcomeEvents(() => clients.eventBridge(), config.outcomeEventBusName)
      : undefined,
    queue: config.workQueueUrl
      ? new WorkQueueSender(() => clients.sqs(), config.workQueueUrl)
      : undefined,
    idempotency: config.idempotencyTableName
      ? new Idempotency(clients.dynamo(), config.idempotencyTableName)
      : undefined,
  };
  return {
    services,
    close: () => {
      clients.destroy();
      meeting.close();
    },
  };
};

export interface BuiltServices {
  services: Services;
  /** Closes the sockets of the AWS clients and of the Huawei client. */
  close(): void;
}

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

export type ServicesMiddleware = MiddlewareObj<unknown, unknown, Error, ServicesContext> & {
  /** Closes the services built so far (tests and local mode load several bundles per process). */
  close(): void;
};

/**
 * Puts the services provider on Middy's `request.context`, and sends the outcome events the
 * invocation queued before it ends, whatever its result. The services are built once, by the
 * first invocation that asks for them, and kept for the life of the middleware, that is of the
 * process: Lambda's environment never changes within one. An invalid configuration builds
 * nothing, so every invocation that asks answers the same ConfigurationError.
 */
export const provideServices = (env: Env = process.env): ServicesMiddleware => {
  let built: BuiltServices | undefined;
  const flush = async (request: { context: ServicesContext }) => {
    await request.context.services?.built?.events?.flush();
  };
  return {
    before: (request) => {
      const provide: ServicesProvider = () => {
        built ??= buildServices(env);
        provide.built = built.services;
        return built.services;
      };
      request.context.services = provide;
    },
    after: flush,
    onError: flush,
    close: () => {
      built?.close();
      built = undefined;
    },
  };
};
