// X-Ray subsegments for every AWS call, through Powertools Tracer, when POWERTOOLS_TRACE_ENABLED
// is `true`. Off by default: the Tracer brings the CommonJS X-Ray SDK (100 KiB, about 10 ms of cold
// start when we measured it) and an async hook that cost ~0.5 ms of CPU per revocation, while
// Lambda's active tracing already traces each invocation without it. The module is only
// evaluated when tracing is on, so an untraced function does not pay for it.
import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { MiddlewareObj } from '@middy/core';
import { SERVICE_NAME } from './powertools.js';

const enabled = process.env['POWERTOOLS_TRACE_ENABLED']?.trim().toLowerCase() === 'true';

const powertools = enabled
  ? await Promise.all([
      import('@aws-lambda-powertools/tracer'),
      import('@aws-lambda-powertools/tracer/middleware'),
    ])
  : undefined;

export const tracer: Tracer | undefined = powertools
  ? new powertools[0].Tracer({
      serviceName: process.env['POWERTOOLS_SERVICE_NAME'] || SERVICE_NAME,
    })
  : undefined;

/** The client, instrumented when tracing is on. */
export const traced = <T>(client: T): T => (tracer ? tracer.captureAWSv3Client(client) : client);

/** The handler's segment annotations (cold start, service) when tracing is on; else nothing. */
export const traceHandler = (): MiddlewareObj[] =>
  tracer && powertools
    ? [powertools[1].captureLambdaHandler(tracer, { captureResponse: false })]
    : [];
