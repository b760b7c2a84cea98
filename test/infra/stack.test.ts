// The synthesised template: every resource of the deployment diagram with the properties that matter.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../../infra/config.js';
import { BundleMissingError } from '../../infra/errors.js';
import { outcomeEventSource } from '../../infra/RevokerFunction.js';
import { RevokerStack } from '../../infra/RevokerStack.js';
import { cdkJsonContext, type Synthesized, stubBundle, synthesize } from './synthesize.js';

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, unknown>;
}

const kmsKeyArn = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const secretArns = {
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':secretsmanager:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      ':secret:meeting/service-accounts/*',
    ],
  ],
};

const actionsOf = (statement: Statement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

/** The logical id of the one resource of `type` whose properties match `props`. */
const logicalId = (template: Template, type: string, props: object = {}): string => {
  const ids = Object.keys(template.findResources(type, { Properties: props }));
  expect(ids).toHaveLength(1);
  return ids[0]!;
};

/** The statements of the inline policies attached to the role `roleId`. */
const statementsOf = (template: Template, roleId: string): Statement[] =>
  Object.values(
    template.findResources('AWS::IAM::Policy', {
      Properties: { Roles: Match.arrayWith([{ Ref: roleId }]) },
    }),
  ).flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);

let defaults: Synthesized;
let variant: Synthesized;
let template: Template;
let ids: {
  fn: string;
  apiFn: string;
  role: string;
  outcomes: string;
  idempotency: string;
  workQueue: string;
  workDeadLetters: string;
  failedInvocations: string;
  offboardingDeadLetters: string;
  sweepDeadLetters: string;
  topic: string;
  api: string;
  rule: string;
};

beforeAll(() => {
  defaults = synthesize();
  template = defaults.template;
  variant = synthesize({
    secretsKmsKeyArn: kmsKeyArn,
    alarmEmail: 'oncall@example.com',
    reservedConcurrency: 'none',
    scheduleEnabled: 'false',
    scheduleExpression: 'cron(30 3 ? * MON-FRI *)',
    scheduleTimeZone: 'Europe/Berlin',
    offboardingEventBusName: 'hr-events',
    offboardingEventSource: 'hr.workday,corp.identity',
    queueMaxConcurrency: '3',
    logRetentionDays: '30',
  });
  const { stack } = defaults;
  const id = (construct: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(construct.node.defaultChild as never);
  ids = {
    fn: id(stack.revoker.function),
    apiFn: id(stack.apiRevoker.function),
    role: id(stack.revoker.function.role as never),
    outcomes: id(stack.tables.outcomes),
    idempotency: id(stack.tables.idempotency),
    workQueue: id(stack.work.queue),
    workDeadLetters: id(stack.work.deadLetters.queue),
    failedInvocations: id(stack.revoker.failedInvocations!.queue),
    offboardingDeadLetters: id(stack.offboarding.deadLetters.queue),
    sweepDeadLetters: id(stack.sweep.deadLetters.queue),
    topic: id(stack.alarms.topic),
    api: id(stack.api.api),
    rule: id(stack.offboarding.rule),
  };
});

describe('the function', () => {
  it('runs the built bundle on Node 24, arm64, traced, with a bounded concurrency', () => {
    // Assess
    // The worker here; the API function, the same bundle, in functions.test.ts.
    template.resourceCountIs('AWS::Lambda::Function', 2);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'handler.handler',
      MemorySize: 512,
      Timeout: 29,
      TracingConfig: { Mode: 'Active' },
      ReservedConcurrentExecutions: 10,
      Role: { 'Fn::GetAtt': [ids.role, 'Arn'] },
      LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: Match.anyValue() } },
    });
  });

  it('deploys handler.mjs, its source map and its chunks, nothing else from the build directory', () => {
    // Prepare
    const assets = readdirSync(defaults.app.outdir).filter((name) => name.startsWith('asset.'));

    // Assess
    expect(assets).toHaveLength(1);
    const asset = join(defaults.app.outdir, assets[0]!);
    expect(readdirSync(asset).sort()).toEqual(['chunks', 'handler.mjs', 'handler.mjs.map']);
    expect(readdirSync(join(asset, 'chunks'))).toEqual(['chunk-STUB.mjs']);
  });

  it('refuses to synthesise without a bundle', () => {
    // Prepare
    const app = new App();
    const empty = mkdtempSync(join(tmpdir(), 'revoker-empty-'));

    // Act & Assess
    expect(
      () =>
        new RevokerStack(app, 'Empty', { config: readConfig(() => undefined), codePath: empty }),
    ).toThrow(BundleMissingError);
  });

  it('gets the documented environment and the Powertools settings', () => {
    // Assess
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          MEETING_API_BASE_URL: 'https://api.meeting.huaweicloud.com',
          MEETING_ACCEPT_LANGUAGE: 'en-US',
          MEETING_TIMEOUT_MS: '5000',
          MEETING_MAX_ATTEMPTS: '3',
          MEETING_RETRY_BASE_MS: '100',
          SECRET_PREFIX: 'meeting/service-accounts/',
          SECRET_TOKEN_FIELD: 'accessToken',
          OUTCOME_TABLE_NAME: { Ref: ids.outcomes },
          IDEMPOTENCY_TABLE_NAME: { Ref: ids.idempotency },
          WORK_QUEUE_URL: { Ref: ids.workQueue },
          SWEEP_CONCURRENCY: '8',
          POWERTOOLS_SERVICE_NAME: 'meeting-token-revoker',
          POWERTOOLS_METRICS_NAMESPACE: 'MeetingTokenRevoker',
          NODE_OPTIONS: '--enable-source-maps',
          POWERTOOLS_TRACE_ENABLED: 'false',
        },
      },
    });
  });

  it('traces every invocation, and every AWS call only with sdkTracing', () => {
    // Prepare
    const traced = synthesize({ sdkTracing: 'true' });
    // Assess
    template.hasResourceProperties('AWS::Lambda::Function', { TracingConfig: { Mode: 'Active' } });
    traced.template.hasResourceProperties('AWS::Lambda::Function', {
      TracingConfig: { Mode: 'Active' },
      Environment: { Variables: Match.objectLike({ POWERTOOLS_TRACE_ENABLED: 'true' }) },
    });
  });

  it('writes to its own log group with the configured retention', () => {
    // Assess
    template.hasResourceProperties('AWS::Lambda::Function', {
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^RevokerLogs') } },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
    variant.template.resourcePropertiesCountIs('AWS::Logs::LogGroup', { RetentionInDays: 30 }, 3);
  });

  it('leaves concurrency unreserved when reservedConcurrency is none', () => {
    // Assess
    variant.template.hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: Match.absent(),
    });
  });

  it('sends asynchronous invocations that fail every retry to the failed-invocations queue', () => {
    // Assess
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: ids.fn },
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 6 * 3600,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [ids.failedInvocations, 'Arn'] } },
      },
    });
  });
});

describe('the function role', () => {
  it('is assumed by Lambda only and carries no managed policy', () => {
    // Assess
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: 'lambda.amazonaws.com' },
          },
        ],
      },
      ManagedPolicyArns: Match.absent(),
    });
  });

  it('reads secrets under the prefix only, and enumerates them with the two actions that need *', () => {
    // Prepare
    const statements = statementsOf(template, ids.role);

    // Assess
    expect(statements).toContainEqual({
      Sid: 'ReadServiceAccountTokens',
      Effect: 'Allow',
      Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
      Resource: secretArns,
    });
    expect(statements).toContainEqual({
      Sid: 'EnumerateServiceAccountTokens',
      Effect: 'Allow',
      Action: ['secretsmanager:BatchGetSecretValue', 'secretsmanager:ListSecrets'],
      Resource: '*',
    });
    const secretActions = statements
      .flatMap(actionsOf)
      .filter((a) => a.startsWith('secretsmanager:'));
    expect(new Set(secretActions)).toEqual(
      new Set([
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
        'secretsmanager:BatchGetSecretValue',
        'secretsmanager:ListSecrets',
      ]),
    );
  });

  it('grants "*" only to actions without resource-level permissions', () => {
    // Prepare
    const wildcard = statementsOf(template, ids.role)
      .filter((statement) => JSON.stringify(statement.Resource).includes('"*"'))
      .flatMap(actionsOf);

    // Assess
    expect(wildcard.sort()).toEqual([
      'secretsmanager:BatchGetSecretValue',
      'secretsmanager:ListSecrets',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ]);
  });

  it('has no KMS permission while the secrets use the AWS managed key', () => {
    // Assess
    const kms = statementsOf(template, ids.role)
      .flatMap(actionsOf)
      .filter((a) => a.startsWith('kms:'));
    expect(kms).toEqual([]);
  });

  it('decrypts with the configured key only through Secrets Manager and only for the prefix', () => {
    // Prepare
    const { stack } = variant;
    const roleId = stack.getLogicalId(stack.revoker.function.role?.node.defaultChild as never);

    // Assess
    expect(statementsOf(variant.template, roleId)).toContainEqual({
      Sid: 'DecryptServiceAccountTokens',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: kmsKeyArn,
      Condition: {
        StringEquals: {
          'kms:ViaService': {
            'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']],
          },
        },
        StringLike: { 'kms:EncryptionContext:SecretARN': secretArns },
      },
    });
  });

  it('appends to the outcome table and manages idempotency keys, each on its own table', () => {
    // Prepare
    const statements = statementsOf(template, ids.role);

    // Assess
    expect(statements).toContainEqual({
      Sid: 'RecordOutcomes',
      Effect: 'Allow',
      Action: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
      Resource: { 'Fn::GetAtt': [ids.outcomes, 'Arn'] },
    });
    expect(statements).toContainEqual({
      Sid: 'TrackIdempotencyKeys',
      Effect: 'Allow',
      Action: [
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
      ],
      Resource: { 'Fn::GetAtt': [ids.idempotency, 'Arn'] },
    });
    const dynamo = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
    expect(dynamo).toHaveLength(2);
  });

  it('sends to the work queue, consumes it, and parks failed invocations', () => {
    // Prepare
    const statements = statementsOf(template, ids.role);
    const on = (queue: string) =>
      statements
        .filter((s) => JSON.stringify(s.Resource).includes(`"${queue}"`))
        .flatMap(actionsOf);

    // Assess
    expect(on(ids.workQueue)).toEqual(
      expect.arrayContaining(['sqs:SendMessage', 'sqs:ReceiveMessage', 'sqs:DeleteMessage']),
    );
    expect(on(ids.failedInvocations)).toContain('sqs:SendMessage');
    expect(on(ids.failedInvocations)).not.toContain('sqs:ReceiveMessage');
    expect(on(ids.workDeadLetters)).toEqual([]);
  });

  it('writes logs to its own log group only', () => {
    // Assess
    expect(statementsOf(template, ids.role)).toContainEqual({
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^RevokerLogs/), 'Arn'] },
    });
  });
});

describe('the tables', () => {
  it('keep the outcome history: on-demand, point-in-time recovery, encrypted, retained', () => {
    // Assess
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        KeySchema: [
          { AttributeName: 'accountId', KeyType: 'HASH' },
          { AttributeName: 'recordId', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'accountId', AttributeType: 'S' },
          { AttributeName: 'recordId', AttributeType: 'S' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        DeletionProtectionEnabled: Match.absent(),
      },
      DeletionPolicy: 'RetainExceptOnCreate',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('expire idempotency keys on `expiration`', () => {
    // Assess
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true },
    });
  });
});

describe('the work queue', () => {
  it('hides a message for six function timeouts and parks it after five receives', () => {
    // Assess
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 6 * 29,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [ids.workDeadLetters, 'Arn'] },
        maxReceiveCount: 5,
      },
    });
  });

  it('feeds the function in batches, reporting partial failures, with bounded pollers', () => {
    // Assess
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [ids.workQueue, 'Arn'] },
      FunctionName: { Ref: ids.fn },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 5 },
    });
    variant.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ScalingConfig: { MaximumConcurrency: 3 },
    });
  });

  it('encrypts every queue and refuses plain-text access to it', () => {
    // Assess
    template.resourceCountIs('AWS::SQS::Queue', 5);
    template.resourcePropertiesCountIs('AWS::SQS::Queue', { SqsManagedSseEnabled: true }, 5);
    template.resourcePropertiesCountIs(
      'AWS::SQS::QueuePolicy',
      {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 'sqs:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      },
      5,
    );
  });

  it('keeps dead letters for the fourteen days SQS allows', () => {
    // Assess
    template.resourcePropertiesCountIs(
      'AWS::SQS::Queue',
      { MessageRetentionPeriod: 14 * 86400 },
      4,
    );
  });
});

describe('the HTTP API', () => {
  it('has the two real routes and the catch-alls that let the function answer 404 and 405', () => {
    // Prepare
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'));

    // Assess
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    expect(routes.map((route) => route.Properties.RouteKey).sort()).toEqual([
      '$default',
      'ANY /revocations',
      'ANY /revocations/{accountId}',
      'GET /revocations/{accountId}',
      'POST /revocations',
    ]);
  });

  it('lets no route through without SigV4: every one is AWS_IAM', () => {
    // Prepare
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'));

    // Assess
    expect(routes).toHaveLength(5);
    for (const route of routes) {
      expect(route.Properties, route.Properties.RouteKey).toMatchObject({
        AuthorizationType: 'AWS_IAM',
      });
      expect(route.Properties.AuthorizerId).toBeUndefined();
    }
  });

  it('sends every route to the one function integration, payload 2.0', () => {
    // Prepare
    const integrationId = logicalId(template, 'AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: { 'Fn::GetAtt': [ids.apiFn, 'Arn'] },
    });

    // Assess
    template.resourceCountIs('AWS::ApiGatewayV2::Integration', 1);
    template.resourcePropertiesCountIs(
      'AWS::ApiGatewayV2::Route',
      { Target: { 'Fn::Join': ['', ['integrations/', { Ref: integrationId }]] } },
      5,
    );
  });

  it('makes a route added later without an authorizer IAM-authorised too', () => {
    // Prepare: a stack not yet synthesised, since synthesis freezes the construct tree.
    const app = new App({ context: cdkJsonContext });
    const stack = new RevokerStack(app, 'Later', {
      config: readConfig((key) => app.node.tryGetContext(key)),
      codePath: stubBundle(),
    });
    stack.api.api.addRoutes({
      path: '/later',
      integration: new HttpLambdaIntegration('Later', stack.revoker.function),
    });

    // Act
    const later = Template.fromStack(stack);

    // Assess
    later.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'ANY /later',
      AuthorizationType: 'AWS_IAM',
    });
  });

  it('throttles its stage and writes JSON access logs', () => {
    // Prepare
    const stages = template.findResources('AWS::ApiGatewayV2::Stage');
    const [stage] = Object.values(stages);

    // Assess
    expect(Object.keys(stages)).toHaveLength(1);
    expect(stage?.Properties).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
      AccessLogSettings: {
        DestinationArn: { 'Fn::Join': expect.anything() },
      },
    });
    expect(JSON.parse(stage?.Properties.AccessLogSettings.Format)).toMatchObject({
      requestId: '$context.requestId',
      caller: '$context.identity.userArn',
      routeKey: '$context.routeKey',
      status: '$context.status',
    });
  });

  it('lets API Gateway invoke the function from its own routes only', () => {
    // Assess
    template.resourcePropertiesCountIs(
      'AWS::Lambda::Permission',
      {
        Action: 'lambda:InvokeFunction',
        Principal: 'apigateway.amazonaws.com',
        SourceArn: Match.objectLike({
          'Fn::Join': ['', Match.arrayWith([{ Ref: ids.api }])],
        }),
      },
      5,
    );
  });

  it('publishes its URL and the execute-api ARNs of the two real routes to allow', () => {
    // Assess
    template.hasOutput('ApiUrl', {
      Value: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [ids.api, 'ApiEndpoint'] }, '/']] },
    });
    template.hasOutput('ApiInvokeResources', {
      Value: {
        'Fn::Join': [
          '',
          [
            'arn:aws:execute-api:eu-west-1:123456789012:',
            { Ref: ids.api },
            '/$default/POST/revocations,arn:aws:execute-api:eu-west-1:123456789012:',
            { Ref: ids.api },
            '/$default/GET/revocations/*',
          ],
        ],
      },
    });
  });
});

describe('the sweep schedule', () => {
  it('is an EventBridge Scheduler schedule sending the sweep input with retries and a dead-letter queue', () => {
    // Prepare
    const schedules = template.findResources('AWS::Scheduler::Schedule');
    const [schedule] = Object.values(schedules);

    // Assess
    expect(Object.keys(schedules)).toHaveLength(1);
    expect(schedule?.Properties).toMatchObject({
      ScheduleExpression: 'cron(0 2 * * ? *)',
      ScheduleExpressionTimezone: 'Etc/UTC',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: { 'Fn::GetAtt': [ids.fn, 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [ids.sweepDeadLetters, 'Arn'] } },
      },
    });
    expect(JSON.parse(schedule?.Properties.Target.Input)).toEqual({
      action: 'sweep',
      scheduledTime: '<aws.scheduler.scheduled-time>',
      executionId: '<aws.scheduler.execution-id>',
    });
  });

  it('takes its expression, time zone and state from context', () => {
    // Assess
    variant.template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(30 3 ? * MON-FRI *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      State: 'DISABLED',
    });
  });

  it('is not a legacy EventBridge scheduled rule', () => {
    // Assess
    template.resourcePropertiesCountIs(
      'AWS::Events::Rule',
      { ScheduleExpression: Match.anyValue() },
      0,
    );
  });

  it('assumes a role this account only can hand to Scheduler, allowed to invoke the function only', () => {
    // Prepare
    const roleId = logicalId(template, 'AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
        ],
      },
    });
    const statements = statementsOf(template, roleId);

    // Assess
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Target: { RoleArn: { 'Fn::GetAtt': [roleId, 'Arn'] } },
    });
    expect(statements.flatMap(actionsOf).sort()).toEqual([
      'lambda:InvokeFunction',
      'sqs:SendMessage',
    ]);
    expect(
      statements.find((s) => actionsOf(s).includes('lambda:InvokeFunction'))?.Resource,
    ).toEqual([
      { 'Fn::GetAtt': [ids.fn, 'Arn'] },
      { 'Fn::Join': ['', [{ 'Fn::GetAtt': [ids.fn, 'Arn'] }, ':*']] },
    ]);
  });
});

describe('the offboarding rule', () => {
  it('matches "Account Offboarded" from the configured source on the default bus', () => {
    // Assess
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: Match.absent(),
      EventPattern: { source: ['corp.identity'], 'detail-type': ['Account Offboarded'] },
      State: 'ENABLED',
      Targets: [
        {
          Id: Match.anyValue(),
          Arn: { 'Fn::GetAtt': [ids.fn, 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [ids.offboardingDeadLetters, 'Arn'] } },
        },
      ],
    });
  });

  it('listens on a named bus for several sources when configured', () => {
    // Assess
    variant.template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: 'hr-events',
      EventPattern: {
        source: ['hr.workday', 'corp.identity'],
        'detail-type': ['Account Offboarded'],
      },
    });
  });

  it('may invoke the function, and park undeliverable events, from this rule only', () => {
    // Assess
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'events.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [ids.fn, 'Arn'] },
      SourceArn: { 'Fn::GetAtt': [ids.rule, 'Arn'] },
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: ids.offboardingDeadLetters }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ids.rule, 'Arn'] } } },
          }),
        ]),
      },
    });
  });
});

describe('the alarms', () => {
  const alarmOn = (t: Template, props: object) => logicalId(t, 'AWS::CloudWatch::Alarm', props);
  const firing = {
    Threshold: 1,
    EvaluationPeriods: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    TreatMissingData: 'notBreaching',
  };

  it('fire on any FAILED revocation, summed over the three triggers', () => {
    // Assess
    alarmOn(template, {
      ...firing,
      AlarmActions: [{ Ref: ids.topic }],
      Metrics: Match.arrayWith([
        Match.objectLike({
          Expression: 'SUM([failed_api, failed_offboarding, failed_schedule])',
          ReturnData: true,
        }),
        ...['api', 'offboarding', 'schedule'].map((trigger) =>
          Match.objectLike({
            Id: `failed_${trigger}`,
            ReturnData: false,
            MetricStat: {
              Metric: {
                Namespace: 'MeetingTokenRevoker',
                MetricName: 'FAILED',
                Dimensions: [
                  { Name: 'service', Value: 'meeting-token-revoker' },
                  { Name: 'trigger', Value: trigger },
                ],
              },
              Period: 300,
              Stat: 'Sum',
            },
          }),
        ),
      ]),
    });
  });

  it('fire on a REJECTED revocation, which nothing retries', () => {
    // Assess
    alarmOn(template, {
      ...firing,
      Metrics: Match.arrayWith([
        Match.objectLike({
          Expression: 'SUM([rejected_api, rejected_offboarding, rejected_schedule])',
        }),
      ]),
    });
  });

  it('fire on function errors and throttles', () => {
    // Assess
    for (const metricName of ['Errors', 'Throttles']) {
      alarmOn(template, {
        ...firing,
        Namespace: 'AWS/Lambda',
        MetricName: metricName,
        Statistic: 'Sum',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: ids.fn } }],
      });
    }
  });

  it('fire on the first message in any of the four dead-letter queues', () => {
    // Assess
    for (const queue of [
      ids.workDeadLetters,
      ids.failedInvocations,
      ids.offboardingDeadLetters,
      ids.sweepDeadLetters,
    ]) {
      alarmOn(template, {
        ...firing,
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Statistic: 'Maximum',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } }],
      });
      template.hasOutput('*', { Value: { Ref: queue } });
    }
  });

  it('fire when the work queue backs up for an hour', () => {
    // Assess
    alarmOn(template, {
      ...firing,
      Threshold: 3600,
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [ids.workQueue, 'QueueName'] } }],
    });
  });

  it('all notify the topic, which only TLS publishers may use', () => {
    // Assess
    template.resourceCountIs('AWS::CloudWatch::Alarm', 16);
    template.resourcePropertiesCountIs(
      'AWS::CloudWatch::Alarm',
      { AlarmActions: [{ Ref: ids.topic }], OKActions: [{ Ref: ids.topic }] },
      16,
    );
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
    template.hasOutput('AlarmTopicArn', { Value: { Ref: ids.topic } });
  });

  it('e-mail the address from context, and no one by default', () => {
    // Assess
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    variant.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
    });
  });

  it('come with a dashboard', () => {
    // Assess
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', {
      DashboardName: { 'Fn::Join': ['', ['MeetingTokenRevoker-', { Ref: 'AWS::Region' }]] },
    });
  });
});

describe('the extensions: verification and outcome events', () => {
  const busArn = (name: string) => `arn:aws:events:eu-west-1:123456789012:event-bus/${name}`;
  const foreignBus = 'arn:aws:events:eu-west-1:210987654321:event-bus/central-outcomes';

  let verifying: Synthesized;
  let publishing: Synthesized;
  let defaultBus: Synthesized;
  let foreign: Synthesized;

  beforeAll(() => {
    verifying = synthesize({ verifyRevocation: 'true' });
    publishing = synthesize({ outcomeEventBusName: 'revocation-outcomes' });
    defaultBus = synthesize({ verifyRevocation: true, outcomeEventBusName: 'default' });
    foreign = synthesize({ outcomeEventBusName: foreignBus });
  });

  const roleStatements = ({ stack, template: t }: Synthesized): Statement[] =>
    statementsOf(t, stack.getLogicalId(stack.revoker.function.role?.node.defaultChild as never));
  const variablesOf = ({ template: t }: Synthesized): Record<string, unknown> => {
    const [fn] = Object.values(t.findResources('AWS::Lambda::Function'));
    return fn?.Properties.Environment.Variables as Record<string, unknown>;
  };
  /** An alarm on `metricName` summed over the three triggers with the ids `${stem}_${trigger}`. */
  const sumAlarm = (metricName: string, stem: string) => ({
    Threshold: 1,
    EvaluationPeriods: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    TreatMissingData: 'notBreaching',
    Metrics: Match.arrayWith([
      Match.objectLike({
        Expression: `SUM([${stem}_api, ${stem}_offboarding, ${stem}_schedule])`,
        ReturnData: true,
      }),
      ...['api', 'offboarding', 'schedule'].map((trigger) =>
        Match.objectLike({
          Id: `${stem}_${trigger}`,
          ReturnData: false,
          MetricStat: {
            Metric: {
              Namespace: 'MeetingTokenRevoker',
              MetricName: metricName,
              Dimensions: [
                { Name: 'service', Value: 'meeting-token-revoker' },
                { Name: 'trigger', Value: trigger },
              ],
            },
            Period: 300,
            Stat: 'Sum',
          },
        }),
      ),
    ]),
  });
  const survived = sumAlarm('TokenSurvivedRevocation', 'token_survived_revocation');
  const eventsFailed = sumAlarm('OutcomeEventsFailed', 'outcome_events_failed');
  const alarmIdsOn = (t: Template, metricName: string): string[] =>
    Object.keys(
      t.findResources('AWS::CloudWatch::Alarm', {
        Properties: {
          Metrics: Match.arrayWith([
            Match.objectLike({
              MetricStat: Match.objectLike({
                Metric: Match.objectLike({ MetricName: metricName }),
              }),
            }),
          ]),
        },
      }),
    );

  it('are off by default: no variable, no EventBridge permission, no extra alarm', () => {
    // Prepare
    const variables = variablesOf(defaults);

    // Assess
    expect(variables).not.toHaveProperty('VERIFY_REVOCATION');
    expect(variables).not.toHaveProperty('OUTCOME_EVENT_BUS_NAME');
    expect(
      roleStatements(defaults)
        .flatMap(actionsOf)
        .filter((a) => a.startsWith('events:')),
    ).toEqual([]);
    expect(alarmIdsOn(template, 'TokenSurvivedRevocation')).toEqual([]);
    expect(alarmIdsOn(template, 'OutcomeEventsFailed')).toEqual([]);
  });

  it('turn verification on with VERIFY_REVOCATION=true, and nothing else', () => {
    // Prepare
    const variables = variablesOf(verifying);

    // Assess
    expect(variables.VERIFY_REVOCATION).toBe('true');
    expect(variables).not.toHaveProperty('OUTCOME_EVENT_BUS_NAME');
    expect(
      roleStatements(verifying)
        .flatMap(actionsOf)
        .filter((a) => a.startsWith('events:')),
    ).toEqual([]);
    expect(alarmIdsOn(verifying.template, 'OutcomeEventsFailed')).toEqual([]);
  });

  it('alarm on the first token that survived its revocation, summed over the triggers', () => {
    // Prepare
    const topic = verifying.stack.getLogicalId(
      verifying.stack.alarms.topic.node.defaultChild as never,
    );

    // Assess
    verifying.template.resourceCountIs('AWS::CloudWatch::Alarm', 17);
    verifying.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...survived,
      AlarmName: 'MeetingTokenRevoker-token-survived-revocation',
      AlarmDescription: Match.stringLikeRegexp('security incident'),
      AlarmActions: [{ Ref: topic }],
      OKActions: [{ Ref: topic }],
    });
  });

  it('name a bus of this account and region by its ARN, in the variable and the IAM statement alike', () => {
    // Prepare
    const variables = variablesOf(publishing);
    const publish = roleStatements(publishing).filter((s) =>
      actionsOf(s).some((a) => a.startsWith('events:')),
    );

    // Assess
    expect(variables.OUTCOME_EVENT_BUS_NAME).toBe(busArn('revocation-outcomes'));
    expect(variables).not.toHaveProperty('VERIFY_REVOCATION');
    expect(publish).toEqual([
      {
        Sid: 'PublishOutcomeEvents',
        Effect: 'Allow',
        Action: 'events:PutEvents',
        Resource: busArn('revocation-outcomes'),
        Condition: { StringEquals: { 'events:source': 'meeting-token-revoker' } },
      },
    ]);
  });

  it('accept the default bus and a bus ARN of another account, each scoped to exactly that bus', () => {
    // Prepare
    const resourceOf = (synthesized: Synthesized) =>
      roleStatements(synthesized).find((s) => s.Sid === 'PublishOutcomeEvents')?.Resource;

    // Assess
    expect(variablesOf(defaultBus).OUTCOME_EVENT_BUS_NAME).toBe(busArn('default'));
    expect(resourceOf(defaultBus)).toBe(busArn('default'));
    expect(variablesOf(foreign).OUTCOME_EVENT_BUS_NAME).toBe(foreignBus);
    expect(resourceOf(foreign)).toBe(foreignBus);
  });

  it('never grant an EventBridge action on "*"', () => {
    // Assess
    for (const synthesized of [publishing, defaultBus, foreign]) {
      const wildcard = roleStatements(synthesized)
        .filter((statement) => JSON.stringify(statement.Resource).includes('"*"'))
        .flatMap(actionsOf);
      expect(wildcard.filter((a) => a.startsWith('events:'))).toEqual([]);
    }
  });

  it('alarm on outcome events that could not be published, only when a bus is set', () => {
    // Assess
    publishing.template.resourceCountIs('AWS::CloudWatch::Alarm', 17);
    publishing.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...eventsFailed,
      AlarmName: 'MeetingTokenRevoker-outcome-events-failed',
    });
    expect(alarmIdsOn(publishing.template, 'TokenSurvivedRevocation')).toEqual([]);
    defaultBus.template.resourceCountIs('AWS::CloudWatch::Alarm', 18);
    defaultBus.template.hasResourceProperties('AWS::CloudWatch::Alarm', survived);
    defaultBus.template.hasResourceProperties('AWS::CloudWatch::Alarm', eventsFailed);
  });

  it('put both alarms and their metrics on the dashboard', () => {
    // Prepare
    const [dashboard] = Object.values(
      defaultBus.template.findResources('AWS::CloudWatch::Dashboard'),
    );
    const body = JSON.stringify(dashboard?.Properties.DashboardBody);
    const alarmIds = [
      ...alarmIdsOn(defaultBus.template, 'TokenSurvivedRevocation'),
      ...alarmIdsOn(defaultBus.template, 'OutcomeEventsFailed'),
    ];

    // Assess
    expect(alarmIds).toHaveLength(2);
    for (const id of alarmIds) expect(body).toContain(`"${id}"`);
    for (const metricName of [
      'TokenSurvivedRevocation',
      'VerificationInconclusive',
      'OutcomeEventsFailed',
    ]) {
      expect(body).toContain(metricName);
    }
    expect(JSON.stringify(template.toJSON())).not.toContain('VerificationInconclusive');
  });

  it('let the function publish only the source it sends (lambda/OutcomeEvents.ts)', () => {
    // Prepare: read, not imported, so this file does not load the function's dependencies.
    const source = readFileSync(new URL('../../lambda/OutcomeEvents.ts', import.meta.url), 'utf8');

    // Assess
    expect(source).toContain(`export const EVENT_SOURCE = '${outcomeEventSource}';`);
  });
});
