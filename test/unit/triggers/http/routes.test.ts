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

describe('routing', () => {
  it.each([
    ['POST', '/revocations', 'post'],
    ['POST', '/revocations/', 'post'],
    ['post', '/revocations', 'post'],
    ['GET', '/revocations/svc-1', 'get svc-1'],
    ['GET', '/revocations/svc-1/', 'get svc-1'],
    ['GET', '/revocations/svc%2D1', 'get svc%2D1'],
  ])('routes %s %s', async (method, path, body) => {
    expect(await call(method, path)).toMatchObject({ body });
  });

  it('routes a path under a named stage as the path without it', async () => {
    expect(await call('POST', '/prod/revocations', 'prod')).toMatchObject({ body: 'post' });
    expect(await call('GET', '/prod/revocations/a', 'prod')).toMatchObject({ body: 'get a' });
    expect(await call('POST', '/prod/revocations')).toMatchObject({ status: 404 });
  });

  it.each([
    ['GET', '/revocations', 'POST'],
    ['PUT', '/revocations/', 'POST'],
    ['BREW', '/revocations', 'POST'],
    ['POST', '/revocations/svc-1', 'GET'],
    ['HEAD', '/revocations/svc-1', 'GET'],
    ['DELETE', '/revocations/svc-1/', 'GET'],
  ])('answers %s %s with 405 and Allow: %s', async (method, path, allowed) => {
    expect(await call(method, path)).toEqual({
      status: 405,
      code: 'METHOD_NOT_ALLOWED',
      headers: { Allow: allowed },
    });
  });

  it.each([
    ['GET', '/'],
    ['GET', ''],
    ['POST', '/revocation'],
    ['GET', '/revocations//x'],
    ['GET', '/revocations/a/b'],
    ['BREW', '/Revocations'],
  ])('answers %s %j with 404 NOT_FOUND', async (method, path) => {
    expect(await call(method, path)).toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });
});
