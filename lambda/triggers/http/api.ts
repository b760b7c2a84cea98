// The HTTP API (docs/INTERFACE.md, "HTTP API"): POST /revocations and GET /revocations/{accountId}, as a Middy
// chain whose every answer, error or not, is JSON with an X-Request-ID header.
import middy from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyEventV2WithIAMAuthorizer,
  APIGatewayProxyStructuredResultV2,
} from 'aws-lambda';
import { isIdempotencyError } from '../../adapters/idempotency.js';
import { MAX_HISTORY } from '../../adapters/OutcomeStore.js';
import { ConfigurationError, OutcomeRecordError } from '../../commons/errors.js';
import { ACCOUNT_ID_RULE, IDEMPOTENCY_KEY_PATTERN } from '../../commons/interface.js';
import { logger } from '../../commons/powertools.js';
import type { Services, ServicesContext, ServicesProvider } from '../../composition/services.js';
import { isAccountId } from '../../core/accountId.js';
import { deadlineOf } from '../../core/deadline.js';
import type { Outcome, OutcomeRecord } from '../../core/outcome.js';
import { revoke } from '../../core/revoke.js';
import { jsonBody, revocationBodyOf } from './body.js';
import { headerOf, requestIdOf } from './requestId.js';
import { HttpError, INTERNAL_ERROR_BODY, json } from './responses.js';
import { routePath, routesFor } from './routes.js';
import { httpServerErrorMetric } from './serverErrorMetric.js';

type Event = APIGatewayProxyEventV2;
type Result = APIGatewayProxyStructuredResultV2;

export const STATUS_OF: Record<Outcome, number> = {
  REVOKED: 200,
  ALREADY_INVALID: 200,
  ALREADY_REVOKED: 200,
  NOT_FOUND: 404,
  REJECTED: 502,
  FAILED: 503,
};

const IDEMPOTENCY_KEY = IDEMPOTENCY_KEY_PATTERN;
const IDEMPOTENCY_WINDOW_SECONDS = 3600;

/** The answer to POST /revocations: the record, less what the caller did not ask for. */
export const answerOf = (record: OutcomeRecord) => ({
  accountId: record.accountId,
  outcome: record.outcome,
  requestId: record.requestId,
  recordedAt: record.recordedAt,
  attempts: record.attempts,
  ...(record.upstreamStatus !== undefined ? { upstreamStatus: record.upstreamStatus } : {}),
  ...(record.upstreamErrorCode !== undefined
    ? { upstreamErrorCode: record.upstreamErrorCode }
    : {}),
  ...(record.verified !== undefined ? { verified: record.verified } : {}),
});
type Answer = ReturnType<typeof answerOf>;

const servicesOf = (provide: ServicesProvider): Services => {
  try {
    return provide();
  } catch (error) {
    if (error instanceof ConfigurationError) {
      logger.error('invalid configuration', { variable: error.variable, error: error.message });
      throw new HttpError(500, 'CONFIGURATION_ERROR', error.message);
    }
    throw error;
  }
};

const postRevocation = async (event: Event, context: ServicesContext): Promise<Result> => {
  const body = revocationBodyOf(event.body);
  const idempotencyKey = headerOf(event, 'idempotency-key');
  if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
    throw new HttpError(
      400,
      'INVALID_IDEMPOTENCY_KEY',
      'Idempotency-Key must be 1-255 visible ASCII characters.',
    );
  }
  // Only now: a request is refused for what it is before a bad setting is reported.
  const services = servicesOf(context.services);
  const { config: cfg, idempotency } = services;
  if (idempotencyKey !== undefined && !cfg.idempotencyTableName) {
    // Without the idempotency table the first answer cannot be kept under concurrency: refuse
    // the header rather than pretend to honour it.
    throw new HttpError(
      400,
      'IDEMPOTENCY_UNAVAILABLE',
      'Idempotency-Key is not supported by this deployment (it has no idempotency table); send the request without it.',
    );
  }
  const requestId = requestIdOf(event);
  const actor = (event as APIGatewayProxyEventV2WithIAMAuthorizer).requestContext?.authorizer?.iam
    ?.userArn;

  const work = async (): Promise<Answer> => {
    let record: OutcomeRecord;
    try {
      record = await revoke(
        {
          accountId: body.accountId,
          trigger: 'api',
          requestId,
          ...(body.reason !== undefined ? { reason: body.reason } : {}),
          ...(actor ? { actor } : {}),
          deadline: deadlineOf(context),
        },
        services,
      );
    } catch (error) {
      if (error instanceof OutcomeRecordError) {
        throw new HttpError(
          500,
          'OUTCOME_NOT_RECORDED',
          'The outcome could not be recorded, so the revocation is not confirmed; retry the request.',
        );
      }
      throw error;
    }
    // Every answer that carries an outcome is kept, FAILED included (docs/INTERFACE.md, "HTTP API": the first
    // answer, without a new upstream call); a retry that should try again uses a new key.
    return answerOf(record);
  };

  const payload = { accountId: body.accountId, reason: body.reason ?? null };
  let answer: Answer;
  try {
    answer =
      idempotencyKey === undefined || !idempotency
        ? await work()
        : await idempotency.run(
            {
              keyPrefix: 'api',
              key: { actor: actor ?? '', idempotencyKey },
              payload,
              expiresAfterSeconds: IDEMPOTENCY_WINDOW_SECONDS,
              context,
            },
            work,
          );
  } catch (error) {
    throw idempotencyHttpError(error) ?? error;
  }
  return json(STATUS_OF[answer.outcome], answer, { 'X-Request-ID': answer.requestId });
};

const idempotencyHttpError = (error: unknown): HttpError | undefined => {
  if (isIdempotencyError(error, 'IdempotencyValidationError')) {
    return new HttpError(
      422,
      'IDEMPOTENCY_KEY_REUSED',
      'This Idempotency-Key was used with a different body within the last hour.',
    );
  }
  if (isIdempotencyError(error, 'IdempotencyAlreadyInProgressError')) {
    return new HttpError(
      409,
      'IDEMPOTENCY_IN_PROGRESS',
      'A request with this Idempotency-Key is still in progress; retry shortly.',
      { 'Retry-After': '1' },
    );
  }
  return undefined;
};

const getHistory = async (event: Event, context: ServicesContext): Promise<Result> => {
  // API Gateway's `accountId` is decoded, but it is there only on the route API Gateway declares
  // (not for `/revocations/x/`, nor from a local tool); the router's `rawAccountId` always is.
  const { accountId: decoded, rawAccountId = '' } = event.pathParameters ?? {};
  let accountId: string;
  try {
    accountId = decoded ?? decodeURIComponent(rawAccountId);
  } catch {
    throw new HttpError(400, 'VALIDATION_ERROR', 'accountId is not a valid URL path segment.');
  }
  if (!isAccountId(accountId)) {
    throw new HttpError(400, 'VALIDATION_ERROR', `accountId ${ACCOUNT_ID_RULE}`);
  }
  const limit = parseLimit(event.queryStringParameters?.['limit']);
  const items = await servicesOf(context.services).outcomes.history(accountId, limit);
  return json(200, { accountId, items });
};

/** `limit` asks for fewer than the 50 most recent records; more is capped at 50, not refused. */
const parseLimit = (raw: string | undefined): number => {
  if (raw === undefined) return MAX_HISTORY;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) {
    throw new HttpError(
      400,
      'VALIDATION_ERROR',
      `limit must be a whole number from 1 (at most ${MAX_HISTORY} records are answered).`,
    );
  }
  return Math.min(Number(raw), MAX_HISTORY);
};

/** Adds Content-Type and X-Request-ID to every answer, errors included. */
const responseHeaders = (): middy.MiddlewareObj<Event, Result> => {
  const finish = (request: middy.Request<Event, Result>) => {
    const response = request.response;
    if (!response || typeof response !== 'object') return;
    response.headers = {
      'Content-Type': 'application/json',
      ...response.headers,
      'X-Request-ID': String(response.headers?.['X-Request-ID'] ?? requestIdOf(request.event)),
    };
  };
  return { after: finish, onError: finish };
};

const logHttpError = (error: unknown): void => {
  if (error instanceof HttpError && error.statusCode < 500) {
    logger.info('request refused', { status: error.statusCode, code: error.code });
  } else if (error instanceof HttpError) {
    logger.error('request failed', { status: error.statusCode, code: error.code });
  } else {
    logger.error('unexpected error', { error: error as Error });
  }
};

// Routing is @middy/http-router's and parsing @middy/http-json-body-parser's, on POST only, so
// that a wrong method or path is answered before its body is read.
export const httpApi = middy<Event, Result, Error, ServicesContext>()
  .use(httpServerErrorMetric())
  .use(responseHeaders())
  .use(httpErrorHandler({ logger: logHttpError, fallbackMessage: INTERNAL_ERROR_BODY }))
  .use(routePath())
  .handler(
    routesFor([
      {
        method: 'POST',
        path: '/revocations',
        handler: middy<Event, Result, Error, ServicesContext>()
          .use(jsonBody())
          .handler(postRevocation),
      },
      { method: 'GET', path: '/revocations/{rawAccountId}', handler: getHistory },
    ]),
  );
