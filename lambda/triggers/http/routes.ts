// Routing of the HTTP API with @middy/http-router, and what it leaves to us: the path as the API
// knows it, and 405 with `Allow` (not 404) for a known path asked with another method.
import type middy from '@middy/core';
import httpRouter, { type Method, type Route } from '@middy/http-router';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { HttpError } from './responses.js';

type Event = APIGatewayProxyEventV2;
type Result = APIGatewayProxyStructuredResultV2;

/**
 * Makes `requestContext.http`, which the router matches, the request as routed: the path less a
 * named stage's prefix (`/prod/revocations`, which API Gateway keeps), the method in capitals (a
 * local tool may send `post`; none is GET). `version` is set when missing, since the router reads
 * an event without one as REST (1.0), and this one was recognised by its `requestContext.http`.
 */
export const routePath = (): middy.MiddlewareObj<Event, Result> => ({
  before: ({ event }) => {
    const { http } = event.requestContext;
    const stage = event.requestContext.stage;
    // The router refuses an empty path as no HTTP event; it is simply not a route.
    let path = (event.rawPath ?? http.path) || '/';
    if (stage && stage !== '$default' && path.startsWith(`/${stage}/`)) {
      path = path.slice(stage.length + 1);
    }
    http.path = path;
    http.method = (http.method || 'GET').toUpperCase();
    event.version ??= '2.0';
  },
});

/** A route whose handler gets the context the API's chain was given, the services with it. */
export interface ApiRoute<C extends Context> {
  method: Method;
  path: string;
  handler: (event: Event, context: C) => Promise<Result>;
}

/**
 * The router of these routes. For a request it does not route it answers 405 with `Allow` when
 * the path is a route's (with any method, the router's own answer being 404 either way), and
 * 404 NOT_FOUND otherwise. A second router of the same paths, for every method, says which.
 */
export const routesFor = <C extends Context>(routes: ApiRoute<C>[]) => {
  // Its handlers answer a method, not a Result: typed as what it is.
  const allowedOn = httpRouter({
    routes: routes.map(({ method, path }) => ({ method: 'ANY', path, handler: () => method })),
    notFoundResponse: () => undefined,
  } as never) as unknown as (event: object) => Method | undefined;
  return httpRouter<Event, Result>({
    // The router hands each handler the context it was called with: the chain's, a C.
    routes: routes as unknown as Route<Event, Result>[],
    notFoundResponse: ({ method, path }) => {
      const allowed = allowedOn({
        version: '2.0',
        requestContext: { http: { method: 'GET', path } },
      });
      if (allowed !== undefined) {
        throw new HttpError(405, 'METHOD_NOT_ALLOWED', `Use ${allowed} on this path.`, {
          Allow: allowed,
        });
      }
      throw new HttpError(404, 'NOT_FOUND', `No route for ${method} ${path.slice(0, 200)}.`);
    },
  });
};
