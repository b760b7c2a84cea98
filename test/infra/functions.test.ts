// The bundle deployed twice: the API function (HTTP API only, capacity and permissions of its own)
// and the worker (schedule, offboarding events, work queue); the worker's environment, role and
// log group, and what the extensions (verification, outcome events) add to them.
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../../infra/config.js';
import { BundleMissingError } from '../../infra/errors.js';
import { RevokerStack } from '../../infra/RevokerStack.js';
import { type Synthesized, synthesize } from './synthesize.js';
import {
  actionsOf,
  alarmIdsOn,
  idsOf,
  kmsKeyArn,
  type StackIds,
  type Statement,
  secretArns,
  statementsOf,
  variantContext,
} from './template.js';

/** Every action the role `roleId` is granted by the stack's inline policies. */
const actionsOfRole = (template: Template, roleId: string): string[] =>
  Object.values(
    template.findResources('AWS::IAM::Policy', {
      Properties: { Roles: Match.arrayWith([{ Ref: roleId }]) },
    }),
  )
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[])
    .flatMap(actionsOf);

/** Every place in the template that names `logicalId` (a Ref or a GetAtt), as `type.property` paths. */
const referencesTo = (template: Template, logicalId: string): string[] => {
  const found: string[] = [];
  const walk = (value: unknown, path: string): void => {
    if (Array.isArray(value)) {
      for (const [index, item] of value.entries()) walk(item, `${path}[${index}]`);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    const record = value as Record<string, unknown>;
    const getAtt = record['Fn::GetAtt'];
    if (record['Ref'] === logicalId || (Array.isArray(getAtt) && getAtt[0] === logicalId)) {
      found.push(path);
      return;
    }
    for (const [key, child] of Object.entries(record)) walk(child, `${path}.${key}`);
  };
  const resources = template.toJSON().Resources as Record<string, { Type: string }>;
  for (const [id, resource] of Object.entries(resources)) walk(resource, `${resource.Type}(${id})`);
  return found;
};

let defaults: Synthesized;
let unreserved: Synthesized;
let variant: Synthesized;
let template: Template;
let ids: StackIds;
let api: { fn: string; role: string };
let worker: { fn: string; role: string };

beforeAll(() => {
  defaults = synthesize();
  template = defaults.template;
  unreserved = synthesize({ apiReservedConcurrency: 'none', reservedConcurrency: 'none' });
  variant = synthesize(variantContext);
  const { stack } = defaults;
  ids = idsOf(stack);
  const id = (construct: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(construct.node.defaultChild as never);
  api = {
    fn: id(stack.apiRevoker.function),
    role: id(stack.apiRevoker.function.role as never),
  };
  worker = {
    fn: id(stack.revoker.function),
    role: id(stack.revoker.function.role as never),
  };
});

describe('the API function and the worker', () => {
  it('are the same bundle, deployed as two functions with roles and log groups of their own', () => {
    // Prepare
    const functions = template.findResources('AWS::Lambda::Function');
    const apiFn = functions[api.fn]?.Properties;
    const workerFn = functions[worker.fn]?.Properties;

    // Assess
    expect(Object.keys(functions).sort()).toEqual([api.fn, worker.fn].sort());
    expect(apiFn?.Code).toEqual(workerFn?.Code);
    for (const key of ['Runtime', 'Handler', 'Architectures', 'MemorySize', 'Timeout']) {
      expect(apiFn?.[key]).toEqual(workerFn?.[key]);
    }
    expect(api.role).not.toBe(worker.role);
    expect(apiFn?.LoggingConfig.LogGroup).not.toEqual(workerFn?.LoggingConfig.LogGroup);
  });

  it('each have a reserved concurrency of their own, and none with `none`', () => {
    // Assess
    template.hasResourceProperties('AWS::Lambda::Function', {
      Role: { 'Fn::GetAtt': [api.role, 'Arn'] },
      ReservedConcurrentExecutions: 5,
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Role: { 'Fn::GetAtt': [worker.role, 'Arn'] },
      ReservedConcurrentExecutions: 10,
    });
    unreserved.template.resourcePropertiesCountIs(
      'AWS::Lambda::Function',
      { ReservedConcurrentExecutions: Match.absent() },
      2,
    );
  });

  it('put the API function behind the HTTP API only: no schedule, rule or queue reaches it', () => {
    // Prepare
    const references = referencesTo(template, api.fn);

    // Assess: the integration, the five route permissions, its dashboard and alarms, its output.
    expect(references.filter((path) => path.startsWith('AWS::Lambda::Permission'))).toHaveLength(5);
    const permissions = Object.values(
      template.findResources('AWS::Lambda::Permission', {
        Properties: { FunctionName: { 'Fn::GetAtt': [api.fn, 'Arn'] } },
      }),
    );
    expect(permissions.map((p) => p.Properties.Principal)).toEqual(
      Array(5).fill('apigateway.amazonaws.com'),
    );
    expect(
      references.filter(
        (path) =>
          path.startsWith('AWS::Scheduler::') ||
          path.startsWith('AWS::Events::') ||
          path.startsWith('AWS::Lambda::EventSourceMapping') ||
          path.startsWith('AWS::Lambda::EventInvokeConfig'),
      ),
    ).toEqual([]);
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationUri: { 'Fn::GetAtt': [api.fn, 'Arn'] },
    });
  });

  it('give the schedule, the offboarding rule and the work queue to the worker', () => {
    // Prepare
    const references = referencesTo(template, worker.fn);

    // Assess
    expect(references.some((path) => path.startsWith('AWS::Scheduler::Schedule'))).toBe(true);
    expect(references.some((path) => path.startsWith('AWS::Events::Rule'))).toBe(true);
    expect(references.some((path) => path.startsWith('AWS::Lambda::EventSourceMapping'))).toBe(
      true,
    );
    expect(references.some((path) => path.startsWith('AWS::ApiGatewayV2::'))).toBe(false);
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: worker.fn },
      MaximumRetryAttempts: 2,
    });
  });

  it('never let the API function enumerate secrets or enqueue work', () => {
    // Prepare
    const apiActions = actionsOfRole(template, api.role);
    const workerActions = actionsOfRole(template, worker.role);

    // Assess
    for (const action of [
      'secretsmanager:ListSecrets',
      'secretsmanager:BatchGetSecretValue',
      'sqs:SendMessage',
      'sqs:ReceiveMessage',
    ]) {
      expect(apiActions).not.toContain(action);
      expect(workerActions).toContain(action);
    }
    expect(apiActions).toEqual(
      expect.arrayContaining([
        'secretsmanager:GetSecretValue',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'logs:PutLogEvents',
      ]),
    );
    const variables = (fn: string) =>
      template.findResources('AWS::Lambda::Function')[fn]?.Properties.Environment.Variables;
    expect(variables(api.fn)).not.toHaveProperty('WORK_QUEUE_URL');
    expect(variables(worker.fn)).toHaveProperty('WORK_QUEUE_URL');
    expect(variables(api.fn).OUTCOME_TABLE_NAME).toEqual(variables(worker.fn).OUTCOME_TABLE_NAME);
    expect(variables(api.fn).IDEMPOTENCY_TABLE_NAME).toEqual(
      variables(worker.fn).IDEMPOTENCY_TABLE_NAME,
    );
  });

  it('keep the application log level at INFO, so the metric lines (which carry no level) are never dropped', () => {
    // Assess
    template.allResourcesProperties('AWS::Lambda::Function', {
      LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'INFO' },
    });
  });

  it('publish both function names', () => {
    // Assess
    template.hasOutput('ApiFunctionName', { Value: { Ref: api.fn } });
    template.hasOutput('FunctionName', { Value: { Ref: worker.fn } });
  });
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

describe('the extensions on the function: verification and outcome events', () => {
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
});
