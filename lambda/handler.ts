// The Lambda entry point: the Middy chain and the routing of the five triggers, nothing else.

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, SQSEvent } from 'aws-lambda';
import { logger, publishMetrics } from './commons/powertools.js';
import { traceHandler } from './commons/tracing.js';
import { provideServices, type ServicesContext } from './composition/services.js';
import { httpApi } from './triggers/http/api.js';
import { requestIdOf } from './triggers/http/requestId.js';
import { handleOffboarding } from './triggers/offboarding.js';
import { recogniseTrigger } from './triggers/recogniseTrigger.js';
import { handleRotation } from './triggers/rotation.js';
import { handleSweep } from './triggers/sweep.js';
import { handleWorkQueue } from './triggers/workQueueConsumer.js';

const route = async (event: unknown, context: ServicesContext): Promise<unknown> => {
  const { services } = context;
  switch (recogniseTrigger(event)) {
    case 'http': {
      const request = event as APIGatewayProxyEventV2;
      logger.setCorrelationId(requestIdOf(request));
      return httpApi(request, context);
    }
    case 'offboarding':
      return handleOffboarding(event, context, services);
    case 'schedule':
      return handleSweep(event, context, services);
    case 'queue':
      return handleWorkQueue(event as SQSEvent, context, services);
    case 'rotation':
      return handleRotation(event, context, services);
  }
};

// The services live as long as the process (built by its first invocation that asks).
const services = provideServices();

export const handler = middy<unknown, unknown, Error, ServicesContext>()
  .use(traceHandler())
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(publishMetrics())
  .use(services)
  .use({
    // Errors of the event triggers leave the function (retry, dead-letter queue) after one log line.
    onError: ({ error }) => {
      logger.error('invocation failed', { error: error as Error });
    },
  })
  .handler(route);

/**
 * Closes the sockets of the services this instance built: for tests and local mode, which load
 * a fresh instance of the bundle whenever they change the environment. Lambda never calls it.
 */
export const closeServices = (): void => services.close();
