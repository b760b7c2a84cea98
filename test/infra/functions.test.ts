// The bundle deployed twice: the API function (HTTP API only, capacity and permissions of its own)
// and the worker (schedule, offboarding events, work queue).
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Synthesized, synthesize } from './synthesize.js';

interface Statement {
  Action: string | string[];
  Resource: unknown;
}

const actionsOf = (statement: Statement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

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
let template: Template;
let api: { fn: string; role: string };
let worker: { fn: string; role: string };

beforeAll(() => {
  defaults = synthesize();
  template = defaults.template;
  unreserved = synthesize({ apiReservedConcurrency: 'none', reservedConcurrency: 'none' });
  const { stack } = defaults;
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
