// Wires the adapters for a configuration: built on first use, reused while the configuration
// holds, so that warm invocations reuse clients and the upstream connection pool.

import { MeetingClient } from '../adapters/meeting/MeetingClient.js';
import { OutcomeEvents } from '../adapters/OutcomeEvents.js';
import { OutcomeStore } from '../adapters/OutcomeStore.js';
import { SecretStore } from '../adapters/secrets/SecretStore.js';
import { getClients } from '../commons/clients.js';
import type { Config } from './config.js';

export interface Services {
  config: Config;
  secrets: SecretStore;
  outcomes: OutcomeStore;
  meeting: MeetingClient;
  /** Present when OUTCOME_EVENT_BUS_NAME is set. */
  events: OutcomeEvents | undefined;
}

let cached: { services: Services; clients: ReturnType<typeof getClients> } | undefined;

const sameUpstream = (a: Config, b: Config): boolean =>
  a.meetingApiBaseUrl === b.meetingApiBaseUrl &&
  a.acceptLanguage === b.acceptLanguage &&
  a.timeoutMs === b.timeoutMs &&
  a.maxAttempts === b.maxAttempts &&
  a.retryBaseMs === b.retryBaseMs &&
  a.sweepConcurrency === b.sweepConcurrency;

export const getServices = (config: Config): Services => {
  const clients = getClients();
  if (cached?.services.config === config && cached.clients === clients) return cached.services;
  const previous = cached?.services;
  const meeting =
    previous && sameUpstream(previous.config, config)
      ? previous.meeting
      : new MeetingClient({
          baseUrl: config.meetingApiBaseUrl,
          acceptLanguage: config.acceptLanguage,
          timeoutMs: config.timeoutMs,
          maxAttempts: config.maxAttempts,
          retryBaseMs: config.retryBaseMs,
          maxSockets: config.sweepConcurrency,
        });
  if (previous && previous.meeting !== meeting) previous.meeting.close();
  const services: Services = {
    config,
    secrets: new SecretStore(clients.secrets, config.secretPrefix, config.secretTokenField),
    outcomes: new OutcomeStore(clients.documents, config.outcomeTableName),
    meeting,
    events: config.outcomeEventBusName
      ? new OutcomeEvents(clients.eventBridge, config.outcomeEventBusName)
      : undefined,
  };
  cached = { services, clients };
  return services;
};
