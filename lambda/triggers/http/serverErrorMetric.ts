// Counts every 5xx answer of the HTTP API as the metric `HttpServerError` (trigger `api`), its
// error code a property: a bad setting or an unrecorded outcome is answered, not thrown, so
// Lambda's own Errors metric never sees it, and the API function's errors alarm adds this count.
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../commons/powertools.js';

export const HTTP_SERVER_ERROR_METRIC = 'HttpServerError';

const metrics = new Metrics({
  namespace: process.env['POWERTOOLS_METRICS_NAMESPACE'] || METRICS_NAMESPACE,
  serviceName: process.env['POWERTOOLS_SERVICE_NAME'] || SERVICE_NAME,
  defaultDimensions: { trigger: 'api' },
});

/** The answer's error code (`CONFIGURATION_ERROR`, ...) or, for a 502/503 revocation, its outcome. */
const codeOf = (body: unknown): string => {
  try {
    const parsed = JSON.parse(String(body)) as { error?: { code?: unknown }; outcome?: unknown };
    const code = parsed.error?.code ?? parsed.outcome;
    return typeof code === 'string' ? code : 'UNKNOWN';
  } catch {
    return 'UNKNOWN';
  }
};

/** Use it first in the chain, so it sees the answer the error handler made of an error. */
export const httpServerErrorMetric = (): middy.MiddlewareObj<
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2
> => {
  const countServerError = (
    request: middy.Request<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>,
  ): void => {
    const response = request.response;
    if (!response || typeof response !== 'object' || (response.statusCode ?? 0) < 500) return;
    metrics.addMetric(HTTP_SERVER_ERROR_METRIC, MetricUnit.Count, 1);
    metrics.addMetadata('errorCode', codeOf(response.body));
    metrics.publishStoredMetrics();
  };
  return { after: countServerError, onError: countServerError };
};
