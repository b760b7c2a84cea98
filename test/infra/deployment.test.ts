// What makes a first deploy (and a second copy, and a teardown) work in any account: names that do
// not collide, an access-log group that needs no resource policy, retention that spares a failed
// create, termination protection, and no drift on the stage.
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Synthesized, synthesize } from './synthesize.js';

/** The stack instance's UUID, the third part of its stack id. */
const stackUuid = { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] };
const accessLogGroupName = {
  'Fn::Join': ['', ['/aws/vendedlogs/apigateway/MeetingTokenRevoker-', stackUuid]],
};

/** The properties that give a resource its physical name, for the types in this stack. */
const physicalNames = [
  'Name',
  'TableName',
  'QueueName',
  'TopicName',
  'LogGroupName',
  'DashboardName',
  'FunctionName',
  'RoleName',
  'KeyName',
];

let defaults: Synthesized;
let template: Template;

beforeAll(() => {
  defaults = synthesize();
  template = defaults.template;
});

describe('the HTTP API access logs', () => {
  it('go to a group under /aws/vendedlogs/, unique per stack instance', () => {
    // Assess
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: accessLogGroupName,
      RetentionInDays: 90,
    });
  });

  it('name that group by an ARN without the `:*` API Gateway would drop (no drift)', () => {
    // Prepare
    const [stage] = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'));
    const destination = stage?.Properties.AccessLogSettings.DestinationArn;

    // Assess
    expect(JSON.stringify(destination)).not.toContain(':*');
    expect(JSON.stringify(destination)).not.toContain('Fn::GetAtt');
    expect(destination).toEqual({
      'Fn::Join': [
        '',
        [
          'arn:aws:logs:eu-west-1:123456789012:log-group:/aws/vendedlogs/apigateway/MeetingTokenRevoker-',
          stackUuid,
        ],
      ],
    });
  });
});

describe('names', () => {
  it('call the HTTP API after the stack, so two copies are told apart', () => {
    // Prepare
    const staging = synthesize({ stackName: 'MeetingTokenRevokerStaging' });

    // Assess
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { Name: 'MeetingTokenRevoker' });
    staging.template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      Name: 'MeetingTokenRevokerStaging',
    });
  });

  it('fix no physical name that a second stack or region would repeat', () => {
    // Prepare: every literal name a resource is given; names with the region or the stack's UUID
    // in them are unique anyway.
    const resources = template.toJSON().Resources as Record<
      string,
      { Type: string; Properties?: Record<string, unknown> }
    >;
    const fixedNames = Object.values(resources).flatMap((resource) =>
      Object.entries(resource.Properties ?? {})
        .filter(([key]) => physicalNames.includes(key))
        .filter(([, value]) => typeof value === 'string')
        .map(([key, value]) => `${resource.Type}.${key}=${String(value)}`),
    );

    // Assess: the only literal is the API's (unique per stack); alarm names carry the stack name
    // and are unique per region, which is their scope.
    expect(fixedNames).toEqual(['AWS::ApiGatewayV2::Api.Name=MeetingTokenRevoker']);
  });
});

describe('retention', () => {
  it('keeps the outcome table and every log group on update and delete, but not after a failed create', () => {
    // Assess
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: { KeySchema: Match.arrayWith([{ AttributeName: 'recordId', KeyType: 'RANGE' }]) },
      DeletionPolicy: 'RetainExceptOnCreate',
    });
    const logGroups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    expect(logGroups).toHaveLength(3);
    for (const group of logGroups) expect(group.DeletionPolicy).toBe('RetainExceptOnCreate');
  });

  it('leaves the outcome table without deletion protection, which would stop a failed create from cleaning up', () => {
    // Assess
    template.resourcePropertiesCountIs(
      'AWS::DynamoDB::Table',
      { DeletionProtectionEnabled: true },
      0,
    );
  });
});

describe('termination protection', () => {
  it('is on by default and off with terminationProtection=false', () => {
    // Prepare
    const staging = synthesize({ terminationProtection: 'false' });

    // Assess
    expect(defaults.stack.terminationProtection).toBe(true);
    expect(staging.stack.terminationProtection).toBe(false);
  });
});
