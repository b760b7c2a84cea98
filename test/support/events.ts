// Builders of realistic Lambda events for every trigger the handler serves (HTTP, EventBridge, SQS).
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type {
  APIGatewayProxyEventV2WithIAMAuthorizer,
  EventBridgeEvent,
  SQSEvent,
  SQSRecord,
} from 'aws-lambda';
import { routeOf } from '../../local/httpApiEvent.js';

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const API_ID = 'a1b2c3d4e5';
const DEFAULT_USER_ARN = `arn:aws:iam::${ACCOUNT}:user/ops-bot`;
const DEFAULT_QUEUE_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:meeting-token-revoker-work`;

export interface HttpEventOptions {
  method: string;
  /** Path as the client sent it; a `?query` part is moved to the query string. */
  path: string;
  /** An object is JSON-encoded; a string is sent as-is. */
  body?: string | object;
  /** Merged over realistic defaults; names are lowercased as API Gateway does. */
  headers?: Record<string, string>;
  query?: Record<string, string>;
  /** Base64-encodes the body, as API Gateway does for binary media types. */
  isBase64Encoded?: boolean;
  userArn?: string;
  /** `$default` unless given; a named stage prefixes rawPath with `/stage`, as HTTP APIs do. */
  stage?: string;
}

export function httpEvent(options: HttpEventOptions): APIGatewayProxyEventV2WithIAMAuthorizer {
  const method = options.method.toUpperCase();
  const [pathOnly = '/', inlineQuery = ''] = options.path.split('?', 2);
  const params = new URLSearchParams(inlineQuery);
  for (const [key, value] of Object.entries(options.query ?? {})) params.append(key, value);
  const rawQueryString = params.toString();
  const queryStringParameters: Record<string, string> = {};
  for (const key of new Set(params.keys())) {
    // API Gateway joins repeated parameters with commas.
    queryStringParameters[key] = params.getAll(key).join(',');
  }

  const stage = options.stage ?? '$default';
  const rawPath = stage === '$default' ? pathOnly : `/${stage}${pathOnly}`;
  const route = routeOf(method, pathOnly);
  const plainBody =
    options.body === undefined
      ? undefined
      : typeof options.body === 'string'
        ? options.body
        : JSON.stringify(options.body);
  const body =
    plainBody !== undefined && options.isBase64Encoded
      ? Buffer.from(plainBody, 'utf8').toString('base64')
      : plainBody;

  const userAgent = 'aws-cli/2.27.0 md/awscrt#0.26.1 ua/2.1 os/linux';
  const headers: Record<string, string> = {
    accept: '*/*',
    host: `${API_ID}.execute-api.${REGION}.amazonaws.com`,
    'user-agent': userAgent,
    'x-amzn-trace-id': `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`,
    'x-forwarded-for': '203.0.113.10',
    'x-forwarded-port': '443',
    'x-forwarded-proto': 'https',
  };
  if (plainBody !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(plainBody));
  }
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    headers[name.toLowerCase()] = value;
  }

  const userArn = options.userArn ?? DEFAULT_USER_ARN;
  const callerAccount = userArn.split(':')[4] || ACCOUNT;
  const now = new Date();
  const event: APIGatewayProxyEventV2WithIAMAuthorizer = {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath,
    rawQueryString,
    headers,
    requestContext: {
      accountId: ACCOUNT,
      apiId: API_ID,
      authorizer: {
        iam: {
          accessKey: 'ASIAEXAMPLEACCESSKEY',
          accountId: callerAccount,
          callerId: 'AIDAEXAMPLECALLERID',
          cognitoIdentity: null,
          // API Gateway sends null outside AWS Organizations; the community types say string.
          principalOrgId: null as unknown as string,
          userArn,
          userId: 'AIDAEXAMPLECALLERID',
        },
      },
      domainName: `${API_ID}.execute-api.${REGION}.amazonaws.com`,
      domainPrefix: API_ID,
      http: {
        method,
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.10',
        userAgent: headers['user-agent'] ?? userAgent,
      },
      requestId: `${randomBytes(10).toString('base64').replace(/[+/=]/g, 'A')}=`,
      routeKey: route.routeKey,
      stage,
      time: apiGatewayTime(now),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: options.isBase64Encoded ?? false,
  };
  if (rawQueryString !== '') event.queryStringParameters = queryStringParameters;
  if (route.pathParameters) event.pathParameters = route.pathParameters;
  if (body !== undefined) event.body = body;
  return event;
}

/** API Gateway's own time format: `20/Nov/2026:10:00:00 +0000`. */
function apiGatewayTime(date: Date): string {
  const months = [
    'Jan',
    'Feb',
    'Mar',
    'Apr',
    'May',
    'Jun',
    'Jul',
    'Aug',
    'Sep',
    'Oct',
    'Nov',
    'Dec',
  ];
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${pad(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
  );
}

/** EventBridge times carry whole seconds. */
function eventTime(date = new Date()): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

export interface OffboardingDetail {
  accountId?: string;
  accountIds?: string[];
}

export interface OffboardingEventOptions {
  id?: string;
  accountId?: string;
  accountIds?: string[];
  source?: string;
  /** Replaces the detail outright, for malformed-event tests. */
  detail?: unknown;
}

export function offboardingEvent(
  options: OffboardingEventOptions = {},
): EventBridgeEvent<'Account Offboarded', OffboardingDetail> {
  let detail: OffboardingDetail = {};
  if (options.accountId !== undefined) detail.accountId = options.accountId;
  if (options.accountIds !== undefined) detail.accountIds = options.accountIds;
  if (options.accountId === undefined && options.accountIds === undefined) {
    detail.accountId = 'acme-corp';
  }
  if (options.detail !== undefined) detail = options.detail as OffboardingDetail;
  return {
    version: '0',
    id: options.id ?? randomUUID(),
    'detail-type': 'Account Offboarded',
    source: options.source ?? 'com.example.identity',
    account: ACCOUNT,
    time: eventTime(),
    region: REGION,
    resources: [],
    detail,
  };
}

export interface SweepInput {
  action: 'sweep';
  scheduledTime: string;
  executionId: string;
}

/** The input EventBridge Scheduler delivers to the sweep target. */
export function scheduleEvent(
  options: { executionId?: string; scheduledTime?: string } = {},
): SweepInput {
  return {
    action: 'sweep',
    scheduledTime: options.scheduledTime ?? eventTime(),
    executionId: options.executionId ?? randomUUID(),
  };
}

/** The event a classic EventBridge schedule rule delivers. */
export function classicScheduledEvent(
  options: { id?: string; time?: string } = {},
): EventBridgeEvent<'Scheduled Event', Record<string, never>> {
  return {
    version: '0',
    id: options.id ?? randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: ACCOUNT,
    time: options.time ?? eventTime(),
    region: REGION,
    resources: [`arn:aws:events:${REGION}:${ACCOUNT}:rule/meeting-token-revoker-sweep`],
    detail: {},
  };
}

export interface SqsMessageInput {
  /** An object is JSON-encoded; a string is sent as-is. */
  body: object | string;
  messageId?: string;
  /** ApproximateReceiveCount; 1 unless given. */
  receiveCount?: number;
}

export function sqsEvent(
  messages: SqsMessageInput[],
  options: { queueArn?: string } = {},
): SQSEvent {
  const now = Date.now();
  const Records = messages.map((message, index): SQSRecord => {
    const body = typeof message.body === 'string' ? message.body : JSON.stringify(message.body);
    const sent = String(now - 1000 + index);
    return {
      messageId: message.messageId ?? randomUUID(),
      receiptHandle: randomBytes(96).toString('base64'),
      body,
      attributes: {
        ApproximateReceiveCount: String(message.receiveCount ?? 1),
        SentTimestamp: sent,
        SenderId: 'AROAEXAMPLEROLEID:meeting-token-revoker',
        ApproximateFirstReceiveTimestamp: String(now),
      },
      messageAttributes: {},
      md5OfBody: createHash('md5').update(body, 'utf8').digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: options.queueArn ?? DEFAULT_QUEUE_ARN,
      awsRegion: REGION,
    };
  });
  return { Records };
}
