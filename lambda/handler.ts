// The Lambda entry point: the Middy chain and the routing of the five triggers, nothing else.

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, Context, SQSEvent } from 'aws-lambda';
import { flushOutcomeEvents } from './adapters/OutcomeEvents.js';
import { logger, publishMetrics } from './commons/powertools.js';
import { traceHandler } from './commons/tracing.js';
import { httpApi } from './triggers/http/api.js';
import { requestIdOf } from './triggers/http/requestId.js';
import { handleOffboarding } from './triggers/offboarding.js';
import { recogniseTrigger } from './triggers/recogniseTrigger.js';
import { handleRotation } from './triggers/rotation.js';
import { handleSweep } from './triggers/sweep.js';
import { handleWorkQueue } from './triggers/workQueueConsumer.js';

const route = async (event: unknown, context: Context): Promise<unknown> => {
  switch (recogniseTrigger(event)) {
    case 'http': {
      const request = event as APIGatewayProxyEventV2;
      logger.setCorrelationId(requestIdOf(request));
      return httpApi(request, context);
    }
    case 'offboarding':
      return handleOffboarding(event, context);
    case 'schedule':
      return handleSweep(event, context);
    case 'queue':
      return handleWorkQueue(event as SQSEvent, context);
    case 'rotation':
      return handleRotation(event, context);
  }
};

export const handler = middy<unknown, unknown>()
  .use(traceHandler())
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(publishMetrics())
  .use(flushOutcomeEvents())
  .use({
    // Errors of the event triggers leave the function (retry, dead-letter queue) after one log line.
    onError: ({ error }) => {
      logger.error('invocation failed', { error: error as Error });
    },
  })
  .handler(route);
