// The HTTP API: its routes, SigV4 on every one, one integration, throttling, access logs, outputs.
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../../infra/config.js';
import { RevokerStack } from '../../infra/RevokerStack.js';
import { cdkJsonContext, stubBundle } from './synthesize.js';
import { logicalId, type StackIds, synthesizeDefaults } from './template.js';

let template: Template;
let ids: StackIds;

beforeAll(() => {
  ({ template, ids } = synthesizeDefaults());
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
