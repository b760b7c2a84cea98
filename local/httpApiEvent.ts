// Turns a Node HTTP request into the event API Gateway HTTP API (payload 2.0, IAM authoriser)
// would deliver, and the handler's answer back into an HTTP response, as API Gateway does.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type {
  APIGatewayProxyEventV2WithIAMAuthorizer,
  APIGatewayProxyStructuredResultV2,
} from 'aws-lambda';

export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_USER_ARN = `arn:aws:iam::${LOCAL_ACCOUNT}:user/local-operator`;
const API_ID = 'local';

// The routes the deployed API declares (infra/RevocationApi.ts); anything else is `$default`.
export const routeOf = (
  method: string,
  path: string,
): { routeKey: string; pathParameters?: Record<string, string> } => {
  if (method === 'POST' && path === '/revocations') return { routeKey: 'POST /revocations' };
  const match = /^\/revocations\/([^/]+)$/.exec(path);
  if (method === 'GET' && match?.[1] !== undefined) {
    let accountId = match[1];
    try {
      accountId = decodeURIComponent(accountId);
    } catch {
      // API Gateway passes a malformed escape through; the handler refuses it.
    }
    return { routeKey: 'GET /revocations/{accountId}', pathParameters: { accountId } };
  }
  return { routeKey: '$default' };
};

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The body as API Gateway hands it over: text as is, anything that is not UTF-8 in base64. */
const encodeBody = (body: Buffer): { body?: string; isBase64Encoded: boolean } => {
  if (body.length === 0) return { isBase64Encoded: false };
  try {
    return { body: utf8.decode(body), isBase64Encoded: false };
  } catch {
    return { body: body.toString('base64'), isBase64Encoded: true };
  }
};

export interface EventOptions {
  userArn?: string;
  region?: string;
}

export const toHttpApiEvent = (
  req: IncomingMessage,
  body: Buffer,
  options: EventOptions = {},
): APIGatewayProxyEventV2WithIAMAuthorizer => {
  const method = (req.method ?? 'GET').toUpperCase();
  // The target as sent, not a parsed URL: `//x` must stay a path, escapes must stay escaped.
  const target = req.url?.startsWith('/') ? req.url : '/';
  const mark = target.indexOf('?');
  const path = mark === -1 ? target : target.slice(0, mark);
  const rawQueryString = mark === -1 ? '' : target.slice(mark + 1);
  const params = new URLSearchParams(rawQueryString);

  // Node already lower-cases names; repeated headers are joined with commas, as API Gateway does.
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (name === 'cookie') {
      cookies.push(...String(value).split(/;\s*/));
      continue;
    }
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const key of new Set(params.keys())) {
    query[key] = params.getAll(key).join(',');
  }

  const route = routeOf(method, path);
  const now = new Date();
  const sourceIp = req.socket.remoteAddress ?? '127.0.0.1';
  const userArn = options.userArn ?? LOCAL_USER_ARN;
  const event: APIGatewayProxyEventV2WithIAMAuthorizer = {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath: path,
    rawQueryString,
    headers,
    requestContext: {
      accountId: LOCAL_ACCOUNT,
      apiId: API_ID,
      authorizer: {
        iam: {
          accessKey: 'LOCALACCESSKEY',
          accountId: LOCAL_ACCOUNT,
          callerId: 'LOCALOPERATOR',
          cognitoIdentity: null,
          // API Gateway sends null outside AWS Organizations; the community types say string.
          principalOrgId: null as unknown as string,
          userArn,
          userId: 'LOCALOPERATOR',
        },
      },
      domainName: headers['host'] ?? 'localhost',
      domainPrefix: API_ID,
      http: {
        method,
        path,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: sourceIp.replace(/^::ffff:/, ''),
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: `${randomBytes(10).toString('base64').replace(/[+/=]/g, 'A')}=`,
      routeKey: route.routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...encodeBody(body),
  };
  if (cookies.length > 0) event.cookies = cookies;
  if (rawQueryString !== '') event.queryStringParameters = query;
  if (route.pathParameters) event.pathParameters = route.pathParameters;
  return event;
};

const isStructured = (value: unknown): value is APIGatewayProxyStructuredResultV2 =>
  typeof value === 'object' && value !== null && 'statusCode' in value;

/** Writes the handler's answer; a bare value is inferred as API Gateway does (200, JSON). */
export const writeResult = (res: ServerResponse, result: unknown): number => {
  if (!isStructured(result)) {
    const body = typeof result === 'string' ? result : JSON.stringify(result ?? null);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(body);
    return 200;
  }
  const status = result.statusCode ?? 200;
  for (const [name, value] of Object.entries(result.headers ?? {})) {
    res.setHeader(name, String(value));
  }
  if (result.cookies && result.cookies.length > 0) res.setHeader('Set-Cookie', result.cookies);
  const body =
    result.body === undefined
      ? Buffer.alloc(0)
      : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
  res.statusCode = status;
  res.setHeader('Content-Length', body.length);
  res.end(body);
  return status;
};

/** API Gateway's answer when the integration fails: no detail of the error leaks. */
export const writeIntegrationError = (res: ServerResponse): void => {
  const body = JSON.stringify({ message: 'Internal Server Error' });
  res.writeHead(500, { 'Content-Type': 'application/json', 'Content-Length': body.length });
  res.end(body);
};
