// The Powertools instances shared by the whole function: one Logger and Metrics (the Tracer,
// optional, lives in tracing.ts).
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj } from '@middy/core';
import type { Outcome, Trigger } from '../core/outcome.js';
import { METRICS_NAMESPACE, SERVICE_NAME } from './interface.js';
import { redactingReplacer } from './redaction.js';

export { METRICS_NAMESPACE, SERVICE_NAME };

const serviceName = process.env['POWERTOOLS_SERVICE_NAME'] || SERVICE_NAME;
const namespace = process.env['POWERTOOLS_METRICS_NAMESPACE'] || METRICS_NAMESPACE;

export const logger = new Logger({ serviceName, jsonReplacerFn: redactingReplacer });

/** Function-level metrics: the cold start. */
export const metrics = new Metrics({ namespace, serviceName });

/**
 * One Metrics instance per trigger, because one invocation can serve several (a queue batch
 * holds schedule and offboarding messages) and a default dimension, unlike a plain one, survives
 * the flush Powertools makes every 100 values, which a large sweep reaches.
 */
const byTrigger = new Map<Trigger, Metrics>();
const used = new Set<Metrics>();

const metricsFor = (trigger: Trigger): Metrics => {
  let instance = byTrigger.get(trigger);
  if (!instance) {
    instance = new Metrics({ namespace, serviceName, defaultDimensions: { trigger } });
    byTrigger.set(trigger, instance);
  }
  used.add(instance);
  return instance;
};

/** Counts one occurrence: an outcome (`REVOKED`, ...) or an event (`TokenSurvivedRevocation`, ...). */
export const count = (trigger: Trigger, name: Outcome | string): void => {
  metricsFor(trigger).addMetric(name, MetricUnit.Count, 1);
};

export const recordUpstreamCall = (trigger: Trigger, latencyMs: number, attempts: number): void => {
  const instance = metricsFor(trigger);
  instance.addMetric('UpstreamLatency', MetricUnit.Milliseconds, Math.round(latencyMs));
  instance.addMetric('UpstreamAttempts', MetricUnit.Count, attempts);
};

/**
 * Publishes the metrics of the invocation, success or failure, and the cold start once.
 * Powertools' logMetrics middleware takes a fixed list and warns for each instance left empty;
 * this flushes only the triggers the invocation served.
 */
export const publishMetrics = (): MiddlewareObj => {
  let coldStart = true;
  const flush = () => {
    for (const instance of used) instance.publishStoredMetrics();
    used.clear();
  };
  return {
    before: (request) => {
      if (coldStart) {
        coldStart = false;
        metrics.captureColdStartMetric(request.context.functionName);
      }
    },
    after: flush,
    onError: flush,
  };
};
