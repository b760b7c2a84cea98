import middy from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { HttpError } from '../../../../lambda/triggers/http/responses.js';
import { routePath, routesFor } from '../../../../lambda/triggers/http/routes.js';

// The API's two routes, each answering which route it is and what it was given.
const route = middy<APIGatewayProxyEventV2>()
  .use(routePath())
  .handler(
    routesFor([
      {
        method: 'POST',
        path: '/revocations',
        handler: async () => ({ statusCode: 200, body: 'post' }),
      },
      {
        method: 'GET',
        path: '/revocations/{rawAccountId}',
        handler: async (event) => ({
          statusCode: 200,
          body: `get ${event.pathParameters?.['rawAccountId']}`,
        }),
      },
    ]),
  );

const call = async (method: string, rawPath: string, stage = '$default') => {
  const event = {
    version: '2.0',
    rawPath,
    requestContext: { stage, http: { method, path: rawPath } },
  } as unknown as APIGatewayProxyEventV2;
  try {
    return (await route(event, {} as Context)) as { body: string };
  } catch (error) {
    if (error instanceof HttpError)
      return { status: error.statusCode, code: error.code, headers: error.headers };
    throw error;
  }
};

const routed = (body: string) => ({ body });
const notAllowed = (allowed: string) => ({
  status: 405,
  code: 'METHOD_NOT_ALLOWED',
  headers: { Allow: allowed },
});
const notFound = { status: 404, code: 'NOT_FOUND' };

describe('routing', () => {
  it.each([
    ['POST', '/revocations', routed('post')],
    ['POST', '/revocations/', routed('post')],
    ['post', '/revocations', routed('post')],
    ['GET', '/revocations/svc-1', routed('get svc-1')],
    ['GET', '/revocations/svc-1/', routed('get svc-1')],
    ['GET', '/revocations/svc%2D1', routed('get svc%2D1')],
    ['GET', '/revocations', notAllowed('POST')],
    ['PUT', '/revocations/', notAllowed('POST')],
    ['BREW', '/revocations', notAllowed('POST')],
    ['POST', '/revocations/svc-1', notAllowed('GET')],
    ['HEAD', '/revocations/svc-1', notAllowed('GET')],
    ['DELETE', '/revocations/svc-1/', notAllowed('GET')],
    ['GET', '/', notFound],
    ['GET', '', notFound],
    ['POST', '/revocation', notFound],
    ['GET', '/revocations//x', notFound],
    ['GET', '/revocations/a/b', notFound],
    ['BREW', '/Revocations', notFound],
  ])('answers %s %j with %j', async (method, path, answer) => {
    expect(await call(method, path)).toMatchObject(answer);
  });

  it('routes a path under a named stage as the path without it', async () => {
    expect(await call('POST', '/prod/revocations', 'prod')).toMatchObject(routed('post'));
    expect(await call('GET', '/prod/revocations/a', 'prod')).toMatchObject(routed('get a'));
    expect(await call('POST', '/prod/revocations')).toMatchObject(notFound);
  });
});
