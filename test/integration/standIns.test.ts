// Checks that the test stand-ins behave like the services they replace, driven by the real clients.
import { createHash } from 'node:crypto';
import {
  APIGatewayProxyEventV2Schema,
  EventBridgeSchema,
  SqsSchema,
} from '@aws-lambda-powertools/parser/schemas';
import {
  ConditionalCheckFailedException,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetSecretValueCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  InternalServiceError,
  InvalidRequestException,
  paginateListSecrets,
  ResourceNotFoundException,
  SecretsManagerClient,
  SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';
import {
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  TooManyEntriesInBatchRequest,
} from '@aws-sdk/client-sqs';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type LocalDynamo, startDynalite } from '../../local/localDynamo.js';
import { MeetingSimulator } from '../../local/MeetingSimulator.js';
import { SecretsManagerStandIn } from '../../local/SecretsManagerStandIn.js';
import {
  classicScheduledEvent,
  httpEvent,
  offboardingEvent,
  scheduleEvent,
  sqsEvent,
} from '../support/events.js';
import { fakeContext } from '../support/lambdaContext.js';
import { SqsStandIn } from '../support/SqsStandIn.js';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const REQUEST_ID = '6f1c2a4e-8d3b-4c1a-9e2f-0a1b2c3d4e5f';

describe('MeetingSimulator', () => {
  let sim: MeetingSimulator;
  const logout = (token?: string, init: RequestInit = {}) =>
    fetch(`${sim.baseUrl}/v1/usg/acs/token`, {
      method: 'DELETE',
      headers: {
        ...(token === undefined ? {} : { 'X-Access-Token': token }),
        'X-Request-ID': REQUEST_ID,
      },
      ...init,
    });

  beforeAll(async () => {
    sim = await MeetingSimulator.start();
  });
  afterEach(() => sim.reset());
  afterAll(() => sim.stop());

  it('logs a live token out once, then calls it invalid', async () => {
    // Prepare
    sim.addToken('tok-live');

    // Act
    const first = await logout('tok-live');
    const firstBody = await first.text();
    const second = await logout('tok-live');

    // Assess
    expect(first.status).toBe(200);
    expect(['', '{}']).toContain(firstBody);
    expect(second.status).toBe(401);
    expect(await second.json()).toEqual({
      error_code: 'USG.000000004',
      error_msg: 'The token is invalid.',
      request_id: REQUEST_ID,
    });
    expect(sim.callsFor('tok-live')).toHaveLength(2);
    const recorded = sim.requests[0]!;
    expect(recorded.method).toBe('DELETE');
    expect(recorded.path).toBe('/v1/usg/acs/token');
    expect(recorded.headers['x-access-token']).toBe('tok-live');
    expect(recorded.headers['x-request-id']).toBe(REQUEST_ID);
    expect(sim.isLive('tok-live')).toBe(false);
  });

  it('keeps a surviveLogout token alive and answers 400 without the header, 404 elsewhere', async () => {
    // Prepare
    sim.addToken('tok-sticky', { surviveLogout: true });

    // Act
    const statuses = [(await logout('tok-sticky')).status, (await logout('tok-sticky')).status];
    const missing = await logout();
    const unknownPath = await fetch(`${sim.baseUrl}/v1/nowhere`);

    // Assess
    expect(statuses).toEqual([200, 200]);
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error_code: string }).error_code).toBe('USG.000000001');
    expect(unknownPath.status).toBe(404);
    expect(unknownPath.headers.get('content-type')).toMatch(/application\/json/);
  });

  it('validates tokens from the body without echoing them', async () => {
    // Prepare
    sim.addToken('tok-secret-value');
    const validate = (token: string) =>
      fetch(`${sim.baseUrl}/v1/usg/acs/token/validate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token, needGenNewToken: false }),
      });

    // Act
    const live = await validate('tok-secret-value');
    const liveText = await live.text();
    const dead = await validate('tok-unknown');

    // Assess
    expect(live.status).toBe(200);
    expect(liveText).not.toContain('tok-secret-value');
    expect(JSON.parse(liveText)).toMatchObject({ validPeriod: 3600 });
    expect(dead.status).toBe(401);
    expect(sim.callsFor('tok-secret-value')).toHaveLength(1);
  });

  it('plays scripted behaviours in order and repeats the last one', async () => {
    // Prepare
    sim.addToken('tok-flaky');
    sim.script('tok-flaky', [
      { status: 503, body: '<html>busy</html>' },
      { status: 429, headers: { 'Retry-After': '1' } },
      { delayMs: 120 },
    ]);

    // Act
    sim.addToken('tok-prompt');
    const a = await logout('tok-flaky');
    const b = await logout('tok-flaky');
    // The delayed answer is overtaken by one sent after it.
    const settled: string[] = [];
    const delayed = logout('tok-flaky').then((r) => {
      settled.push('delayed');
      return r;
    });
    await vi.waitFor(() => expect(sim.callsFor('tok-flaky')).toHaveLength(3));
    await logout('tok-prompt').then(() => settled.push('prompt'));
    const c = await delayed;
    const d = await logout('tok-flaky');

    // Assess
    expect(a.status).toBe(503);
    expect(await a.text()).toBe('<html>busy</html>');
    expect(b.status).toBe(429);
    expect(b.headers.get('retry-after')).toBe('1');
    expect(((await b.json()) as { error_code: string }).error_code).toBe('APIG.0308');
    expect(c.status).toBe(200);
    expect(settled).toEqual(['prompt', 'delayed']);
    expect(d.status).toBe(401); // the repeated last behaviour now meets a dead token
  });

  it('hangs until the client gives up, and resets sockets on demand', async () => {
    // Prepare
    sim.script('tok-hang', { hang: true });
    sim.script('tok-reset', { reset: true });

    // Act
    const [hung, reset] = await Promise.all([
      logout('tok-hang', { signal: AbortSignal.timeout(150) }).catch((e: unknown) => e as Error),
      logout('tok-reset').catch((e: unknown) => e as Error & { cause?: { code?: string } }),
    ]);

    // Assess
    expect((hung as Error).name).toBe('TimeoutError');
    expect(reset).toBeInstanceOf(TypeError); // fetch's "fetch failed"
    expect(['ECONNRESET', 'UND_ERR_SOCKET']).toContain(
      (reset as { cause?: { code?: string } }).cause?.code,
    );
  });

  it('streams a large body in chunks', async () => {
    // Prepare
    sim.script('tok-big', { status: 500, bodyBytes: 2 * 1024 * 1024 });

    // Act
    const response = await logout('tok-big');
    const body = await response.arrayBuffer();

    // Assess
    expect(response.status).toBe(500);
    expect(response.headers.get('content-length')).toBeNull();
    expect(body.byteLength).toBe(2 * 1024 * 1024);
  });

  it('counts concurrency and connections, and honours latency', async () => {
    // Prepare
    sim.latencyMs = 80;
    for (let i = 0; i < 5; i += 1) sim.addToken(`tok-${i}`);

    // Act
    await Promise.all([0, 1, 2, 3, 4].map((i) => logout(`tok-${i}`).then((r) => r.text())));
    const opened = sim.connectionsOpened;
    await logout('tok-0').then((r) => r.text());

    // Assess: the latency held every request until all five were in
    expect(sim.maxInFlight).toBe(5);
    expect(sim.connectionsOpened).toBe(opened); // the pooled keep-alive socket was reused
  });

  it('stops promptly even with a request left hanging', async () => {
    // Prepare
    const own = await MeetingSimulator.start();
    own.script('tok-hang', { hang: true });
    const pending = fetch(`${own.baseUrl}/v1/usg/acs/token`, {
      method: 'DELETE',
      headers: { 'X-Access-Token': 'tok-hang' },
    }).catch((e: unknown) => e);
    await vi.waitFor(() => expect(own.requests).toHaveLength(1));

    // Act: stop() resolves although the request would hang for ever
    await own.stop();

    // Assess: the server ended the hanging request rather than waiting for it
    expect(await pending).toBeInstanceOf(Error);
  });
});

describe('SecretsManagerStandIn', () => {
  let sm: SecretsManagerStandIn;
  let client: SecretsManagerClient;

  beforeAll(async () => {
    sm = await SecretsManagerStandIn.start();
  });
  beforeEach(() => {
    client = new SecretsManagerClient({ endpoint: sm.endpoint, region: 'eu-west-1', credentials });
  });
  afterEach(() => {
    client.destroy();
    sm.reset();
    vi.unstubAllEnvs();
  });
  afterAll(() => sm.stop());

  it('serves versions to a client configured only through AWS_ENDPOINT_URL_SECRETS_MANAGER', async () => {
    // Prepare
    vi.stubEnv('AWS_ENDPOINT_URL_SECRETS_MANAGER', sm.endpoint);
    const envClient = new SecretsManagerClient({ region: 'eu-west-1', credentials });
    const v1 = sm.put('meeting/service-accounts/acme', '{"accessToken":"t1"}');
    const v2 = sm.put('meeting/service-accounts/acme', '{"accessToken":"t2"}');

    // Act
    const byName = await envClient.send(
      new GetSecretValueCommand({ SecretId: 'meeting/service-accounts/acme' }),
    );
    const byArn = await envClient.send(
      new GetSecretValueCommand({ SecretId: sm.arnOf('meeting/service-accounts/acme') }),
    );
    const previous = await envClient.send(
      new GetSecretValueCommand({ SecretId: 'meeting/service-accounts/acme', VersionId: v1 }),
    );
    envClient.destroy();

    // Assess
    expect(v1).toMatch(/^[0-9a-f-]{36}$/);
    expect(byName).toMatchObject({
      Name: 'meeting/service-accounts/acme',
      VersionId: v2,
      SecretString: '{"accessToken":"t2"}',
      VersionStages: ['AWSCURRENT'],
    });
    expect(byName.ARN).toMatch(
      /^arn:aws:secretsmanager:eu-west-1:123456789012:secret:meeting\/service-accounts\/acme-.{6}$/,
    );
    expect(byName.CreatedDate).toBeInstanceOf(Date);
    expect(byArn.VersionId).toBe(v2);
    expect(previous).toMatchObject({
      SecretString: '{"accessToken":"t1"}',
      VersionStages: ['AWSPREVIOUS'],
    });
    expect(sm.calls.map((c) => c.operation)).toEqual([
      'GetSecretValue',
      'GetSecretValue',
      'GetSecretValue',
    ]);
  });

  it('returns binary secrets as bytes', async () => {
    // Prepare
    sm.put('bin', { binary: new Uint8Array([0, 1, 254, 255]) });

    // Act
    const result = await client.send(new GetSecretValueCommand({ SecretId: 'bin' }));

    // Assess
    expect(result.SecretString).toBeUndefined();
    expect([...(result.SecretBinary ?? [])]).toEqual([0, 1, 254, 255]);
  });

  it('raises the SDK exception classes for missing, deleted and marked secrets', async () => {
    // Prepare
    sm.put('gone', 'x');
    sm.delete('gone');
    sm.put('marked', 'x');
    sm.markForDeletion('marked');

    // Act
    const missing = await client
      .send(new GetSecretValueCommand({ SecretId: 'gone' }))
      .catch((e: unknown) => e);
    const marked = await client
      .send(new GetSecretValueCommand({ SecretId: 'marked' }))
      .catch((e: unknown) => e);
    const described = await client.send(new DescribeSecretCommand({ SecretId: 'marked' }));

    // Assess
    expect(missing).toBeInstanceOf(ResourceNotFoundException);
    expect(marked).toBeInstanceOf(InvalidRequestException);
    expect((marked as Error).message).toMatch(/marked for deletion/);
    expect(described.DeletedDate).toBeInstanceOf(Date);
  });

  it('injects errors the SDK classifies and retries like AWS ones', async () => {
    // Prepare
    sm.put('s', 'x');
    const retrying = new SecretsManagerClient({
      endpoint: sm.endpoint,
      region: 'eu-west-1',
      credentials,
      maxAttempts: 2,
    });
    sm.fail('GetSecretValue', { type: 'ThrottlingException', message: 'Rate exceeded' }, 1);

    // Act
    const afterThrottle = await retrying.send(new GetSecretValueCommand({ SecretId: 's' }));
    sm.fail('GetSecretValue', { type: 'AccessDeniedException' }, 1);
    const denied = await retrying
      .send(new GetSecretValueCommand({ SecretId: 's' }))
      .catch((e) => e);
    sm.fail('GetSecretValue', { type: 'InternalServiceError', status: 500 });
    const internal = await retrying
      .send(new GetSecretValueCommand({ SecretId: 's' }))
      .catch((e) => e);
    retrying.destroy();

    // Assess
    expect(afterThrottle.$metadata.attempts).toBe(2);
    expect(denied).toBeInstanceOf(SecretsManagerServiceException);
    expect(denied.name).toBe('AccessDeniedException');
    expect(denied.$metadata.attempts).toBe(1);
    expect(internal).toBeInstanceOf(InternalServiceError);
    expect(internal.$metadata.attempts).toBe(2);
    expect(sm.calls).toHaveLength(5);
  });

  it('pages through 10,000 secrets by name prefix, in name order', async () => {
    // Prepare
    for (let i = 0; i < 10_000; i += 1) {
      sm.put(
        `meeting/service-accounts/acct-${String(i).padStart(5, '0')}`,
        `{"accessToken":"t${i}"}`,
      );
    }
    sm.put('meeting/other/x', 'x');
    sm.put('zzz/meeting/service-accounts/y', 'x');

    // Act
    const names: string[] = [];
    const pages = paginateListSecrets(
      { client },
      { Filters: [{ Key: 'name', Values: ['meeting/service-accounts/'] }] },
    );
    for await (const page of pages) {
      for (const secret of page.SecretList ?? []) names.push(secret.Name!);
    }

    // Assess (how fast is a benchmark's question)
    expect(names).toHaveLength(10_000);
    expect(names[0]).toBe('meeting/service-accounts/acct-00000');
    expect([...names].sort()).toEqual(names);
    expect(sm.calls).toHaveLength(100);
  });

  it('batch-gets by id list (with errors for missing ids) and by filter with pagination', async () => {
    // Prepare
    for (const name of ['p/a', 'p/b', 'p/c', 'q/d']) sm.put(name, `v-${name}`);

    // Act
    const byIds = await client.send(
      new BatchGetSecretValueCommand({ SecretIdList: ['p/a', 'p/nope'] }),
    );
    const first = await client.send(
      new BatchGetSecretValueCommand({ Filters: [{ Key: 'name', Values: ['p/'] }], MaxResults: 2 }),
    );
    const second = await client.send(
      new BatchGetSecretValueCommand({
        Filters: [{ Key: 'name', Values: ['p/'] }],
        MaxResults: 2,
        NextToken: first.NextToken,
      }),
    );

    // Assess
    expect(byIds.SecretValues?.map((v) => v.SecretString)).toEqual(['v-p/a']);
    expect(byIds.Errors).toEqual([
      expect.objectContaining({ SecretId: 'p/nope', ErrorCode: 'ResourceNotFoundException' }),
    ]);
    expect(first.SecretValues?.map((v) => v.Name)).toEqual(['p/a', 'p/b']);
    expect(first.NextToken).toBeTypeOf('string');
    expect(second.SecretValues?.map((v) => v.Name)).toEqual(['p/c']);
    expect(second.NextToken).toBeUndefined();
  });
});

describe('SqsStandIn', () => {
  let sqs: SqsStandIn;
  let client: SQSClient;

  beforeAll(async () => {
    sqs = await SqsStandIn.start();
    client = new SQSClient({
      endpoint: sqs.endpoint,
      region: 'eu-west-1',
      credentials,
      maxAttempts: 2,
    });
  });
  afterEach(() => sqs.reset());
  afterAll(async () => {
    client.destroy();
    await sqs.stop();
  });

  it('accepts batches with MD5s the SDK verifies, and fails chosen entries', async () => {
    // Prepare
    const QueueUrl = sqs.queueUrl('work');
    sqs.failEntries((body) => body.includes('"acct-2"'));
    const Entries = ['acct-1', 'acct-2', 'acct-3'].map((accountId, i) => ({
      Id: `m${i}`,
      MessageBody: JSON.stringify({ accountId, trigger: 'schedule', requestId: REQUEST_ID }),
    }));

    // Act
    const result = await client.send(new SendMessageBatchCommand({ QueueUrl, Entries }));

    // Assess
    expect(result.Successful?.map((s) => s.Id)).toEqual(['m0', 'm2']);
    expect(result.Failed).toEqual([
      expect.objectContaining({ Id: 'm1', SenderFault: false, Code: 'InternalError' }),
    ]);
    expect(sqs.messages.map((m) => JSON.parse(m.body).accountId)).toEqual(['acct-1', 'acct-3']);
    expect(sqs.messages[0]!.queueUrl).toBe(QueueUrl);
  });

  it('sends and receives single messages', async () => {
    // Prepare
    const QueueUrl = sqs.queueUrl('work');
    const sent = await client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'héllo ✓' }));

    // Act
    const received = await client.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }),
    );
    const again = await client.send(new ReceiveMessageCommand({ QueueUrl }));

    // Assess
    expect(received.Messages?.map((m) => [m.MessageId, m.Body])).toEqual([
      [sent.MessageId, 'héllo ✓'],
    ]);
    expect(again.Messages).toBeUndefined(); // still invisible after the first receive
  });

  it('raises modelled SQS exceptions for whole-call failures', async () => {
    // Prepare
    const QueueUrl = sqs.queueUrl('work');
    sqs.fail(
      'SendMessageBatch',
      { type: 'QueueDoesNotExist', message: 'The specified queue does not exist.' },
      1,
    );
    const one = [{ Id: 'a', MessageBody: 'x' }];
    const eleven = Array.from({ length: 11 }, (_, i) => ({ Id: `e${i}`, MessageBody: 'x' }));

    // Act
    const missing = await client
      .send(new SendMessageBatchCommand({ QueueUrl, Entries: one }))
      .catch((e: unknown) => e);
    const tooMany = await client
      .send(new SendMessageBatchCommand({ QueueUrl, Entries: eleven }))
      .catch((e: unknown) => e);

    // Assess
    expect(missing).toBeInstanceOf(QueueDoesNotExist);
    expect(tooMany).toBeInstanceOf(TooManyEntriesInBatchRequest);
    expect(sqs.calls.map((c) => c.operation)).toEqual(['SendMessageBatch', 'SendMessageBatch']);
  });

  it('lets the SDK retry throttling and server errors', async () => {
    // Prepare
    const QueueUrl = sqs.queueUrl('work');
    sqs.fail('SendMessage', { type: 'RequestThrottled', message: 'slow down' }, 1);

    // Act
    const result = await client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' }));
    sqs.fail('SendMessage', { type: 'InternalError', status: 500 });
    const failed = await client
      .send(new SendMessageCommand({ QueueUrl, MessageBody: 'y' }))
      .catch((e) => e);

    // Assess
    expect(result.$metadata.attempts).toBe(2);
    expect(failed.name).toBe('InternalError');
    expect(failed.$metadata.attempts).toBe(2);
    expect(sqs.messages.map((m) => m.body)).toEqual(['x']);
  });
});

describe('localDynamo', () => {
  let dynamo: LocalDynamo;

  beforeAll(async () => {
    dynamo = await startDynalite();
  });
  afterAll(() => dynamo.stop());

  it('creates the outcome table with its key layout', async () => {
    // Prepare
    await dynamo.createOutcomeTable('outcomes');

    // Act
    await dynamo.documentClient.send(
      new PutCommand({
        TableName: 'outcomes',
        Item: { accountId: 'acme', recordId: '2026-11-20T10:00:00.000Z#1', outcome: 'REVOKED' },
      }),
    );
    const { Items } = await dynamo.documentClient.send(
      new QueryCommand({
        TableName: 'outcomes',
        KeyConditionExpression: 'accountId = :a',
        ExpressionAttributeValues: { ':a': 'acme' },
      }),
    );
    const { Table } = await dynamo.client.send(new DescribeTableCommand({ TableName: 'outcomes' }));

    // Assess
    expect(Items).toEqual([expect.objectContaining({ outcome: 'REVOKED' })]);
    expect(Table?.KeySchema).toEqual([
      { AttributeName: 'accountId', KeyType: 'HASH' },
      { AttributeName: 'recordId', KeyType: 'RANGE' },
    ]);
    await dynamo.deleteTable('outcomes');
  });

  it('creates the idempotency table even though dynalite cannot enable TTL', async () => {
    // Act
    await dynamo.createIdempotencyTable('idempotency');
    const ttl = await dynamo.client.send(
      new DescribeTimeToLiveCommand({ TableName: 'idempotency' }),
    );
    const { Table } = await dynamo.client.send(
      new DescribeTableCommand({ TableName: 'idempotency' }),
    );

    // Assess
    expect(Table?.KeySchema).toEqual([{ AttributeName: 'id', KeyType: 'HASH' }]);
    expect(ttl.TimeToLiveDescription?.TimeToLiveStatus).toBe('DISABLED');
  });

  it('supports conditional puts but not TransactWriteItems (a probe of dynalite 4)', async () => {
    // Prepare
    await dynamo.createOutcomeTable('probe');
    const put = () =>
      dynamo.client.send(
        new PutItemCommand({
          TableName: 'probe',
          Item: { accountId: { S: 'a' }, recordId: { S: 'r' } },
          ConditionExpression: 'attribute_not_exists(accountId)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );

    // Act
    await put();
    const conflict = await put().catch((e: unknown) => e);
    const transact = await dynamo.client
      .send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: 'probe', Item: { accountId: { S: 'b' }, recordId: { S: 'r' } } } },
          ],
        }),
      )
      .catch((e: unknown) => e);

    // Assess
    expect(conflict).toBeInstanceOf(ConditionalCheckFailedException);
    // dynalite leaves out the old item AWS would return with ReturnValuesOnConditionCheckFailure.
    expect((conflict as ConditionalCheckFailedException).Item).toBeUndefined();
    expect((transact as Error).name).toBe('UnknownOperationException');
  });
});

describe('fakeContext', () => {
  it('counts the remaining time down in real time', async () => {
    // Prepare
    const context = fakeContext({ remainingMs: 1000 });

    // Act
    const before = context.getRemainingTimeInMillis();
    await new Promise((resolve) => setTimeout(resolve, 60));
    const after = context.getRemainingTimeInMillis();

    // Assess
    expect(before).toBeLessThanOrEqual(1000);
    expect(after).toBeLessThanOrEqual(before - 50);
    expect(context.functionName).toBe('meeting-token-revoker');
    expect(context.invokedFunctionArn).toBe(
      'arn:aws:lambda:eu-west-1:123456789012:function:meeting-token-revoker',
    );
    expect(context.awsRequestId).not.toBe(fakeContext().awsRequestId);
  });
});

describe('events', () => {
  it('builds HTTP API events that match routes and pass the Powertools schema', () => {
    // Act
    const post = httpEvent({
      method: 'POST',
      path: '/revocations',
      body: { accountId: 'acme' },
      headers: { 'X-Request-ID': REQUEST_ID },
    });
    const get = httpEvent({ method: 'GET', path: '/revocations/acme%40corp?limit=5' });
    const other = httpEvent({ method: 'DELETE', path: '/revocations', stage: 'prod' });
    const binary = httpEvent({
      method: 'POST',
      path: '/revocations',
      body: '{}',
      isBase64Encoded: true,
    });

    // Assess
    for (const event of [post, get, other, binary]) {
      expect(APIGatewayProxyEventV2Schema.safeParse(event).success).toBe(true);
    }
    expect(post.routeKey).toBe('POST /revocations');
    expect(post.headers['x-request-id']).toBe(REQUEST_ID);
    expect(JSON.parse(post.body!)).toEqual({ accountId: 'acme' });
    expect(post.requestContext.authorizer.iam.userArn).toBe(
      'arn:aws:iam::123456789012:user/ops-bot',
    );
    expect(get.routeKey).toBe('GET /revocations/{accountId}');
    expect(get.pathParameters).toEqual({ accountId: 'acme@corp' });
    expect(get.rawQueryString).toBe('limit=5');
    expect(get.queryStringParameters).toEqual({ limit: '5' });
    expect(other.routeKey).toBe('$default');
    expect(other.rawPath).toBe('/prod/revocations');
    expect(Buffer.from(binary.body!, 'base64').toString()).toBe('{}');
  });

  it('builds EventBridge, Scheduler and SQS events that pass the Powertools schemas', () => {
    // Act
    const single = offboardingEvent({ accountId: 'acme' });
    const many = offboardingEvent({ accountIds: ['a', 'b'], id: 'evt-1' });
    const classic = classicScheduledEvent();
    const sweep = scheduleEvent({ executionId: 'exec-1' });
    const batch = sqsEvent([{ body: { accountId: 'acme' }, messageId: 'm-1' }, { body: 'raw' }]);

    // Assess
    for (const event of [single, many, classic]) {
      expect(EventBridgeSchema.safeParse(event).success).toBe(true);
    }
    expect(SqsSchema.safeParse(batch).success).toBe(true);
    expect(single.detail).toEqual({ accountId: 'acme' });
    expect(many).toMatchObject({
      id: 'evt-1',
      'detail-type': 'Account Offboarded',
      detail: { accountIds: ['a', 'b'] },
    });
    expect(classic).toMatchObject({ source: 'aws.events', 'detail-type': 'Scheduled Event' });
    expect(sweep).toMatchObject({ action: 'sweep', executionId: 'exec-1' });
    expect(Number.isNaN(Date.parse(sweep.scheduledTime))).toBe(false);
    expect(batch.Records[0]).toMatchObject({
      messageId: 'm-1',
      body: '{"accountId":"acme"}',
      eventSource: 'aws:sqs',
    });
    expect(batch.Records[1]!.md5OfBody).toBe(createHash('md5').update('raw').digest('hex'));
  });
});
