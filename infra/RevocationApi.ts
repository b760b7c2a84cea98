// The HTTP API for ops tools: POST /revocations and GET /revocations/{accountId}, SigV4 (IAM) only;
// every other request goes to the function too, so it answers with the API's JSON 404 or 405.
import { ArnFormat, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface RevocationApiProps {
  readonly handler: lambda.IFunction;
  readonly rateLimit: number;
  readonly burstLimit: number;
  readonly logRetentionDays: number;
}

/** One JSON object per request; `caller` is the SigV4 principal, the audit trail's "who". */
export const accessLogFormat = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  sourceIp: '$context.identity.sourceIp',
  caller: '$context.identity.userArn',
  routeKey: '$context.routeKey',
  path: '$context.path',
  status: '$context.status',
  responseLength: '$context.responseLength',
  latencyMs: '$context.responseLatency',
  integrationStatus: '$context.integrationStatus',
  integrationLatencyMs: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  error: '$context.error.message',
};

export class RevocationApi extends Construct {
  public readonly api: apigw.HttpApi;
  public readonly stage: apigw.HttpStage;
  public readonly accessLogs: logs.LogGroup;
  /** The execute-api ARNs an ops tool's IAM policy has to allow, one per route. */
  public readonly routeArns: { readonly revoke: string; readonly history: string };

  public constructor(scope: Construct, id: string, props: RevocationApiProps) {
    super(scope, id);

    const integration = new HttpLambdaIntegration('Revoker', props.handler, {
      payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0,
    });
    const authorizer = new HttpIamAuthorizer();

    const stack = Stack.of(this);
    this.api = new apigw.HttpApi(this, 'Api', {
      // The stack's name, so two copies (staging, production) are told apart in the console.
      apiName: stack.stackName,
      description: 'meeting-token-revoker: revoke a service account token, read its history',
      // The stage below carries throttling and access logs, which the implicit one cannot.
      createDefaultStage: false,
      // A safety net for routes added later that name no authorizer: nothing on this API is ever
      // reachable without a SigV4 signature. The routes below still name it, to be explicit.
      defaultAuthorizer: authorizer,
    });

    // Under /aws/vendedlogs/, which API Gateway may write to without a CloudWatch Logs resource
    // policy entry (that policy has a small size limit shared by the whole account, and a full one
    // fails the stage's creation). The stack id's UUID makes the name unique per stack instance,
    // so a retained group of a deleted copy never blocks the next deploy.
    const instance = Fn.select(2, Fn.split('/', stack.stackId));
    const accessLogGroupName = `/aws/vendedlogs/apigateway/${stack.stackName}-${instance}`;
    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      logGroupName: accessLogGroupName,
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    // API Gateway stores the destination without the `:*` the log group's Arn attribute ends in;
    // giving it that form keeps drift detection quiet.
    const accessLogArn = stack.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: accessLogGroupName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      // A human or a ticketing tool calls this, not a fleet: a low ceiling keeps a runaway
      // script from turning into a flood of calls against Huawei.
      throttle: { rateLimit: props.rateLimit, burstLimit: props.burstLimit },
      accessLogSettings: {
        destination: { bind: () => ({ destinationArn: accessLogArn }) },
        format: AccessLogFormat.custom(JSON.stringify(accessLogFormat)),
      },
    });

    // The two real routes stay explicit, though the ANY routes below would match them too: API
    // Gateway prefers the most specific route, and ops tools' IAM policies name these two.
    this.api.addRoutes({
      path: '/revocations',
      methods: [apigw.HttpMethod.POST],
      integration,
      authorizer,
    });
    this.api.addRoutes({
      path: '/revocations/{accountId}',
      methods: [apigw.HttpMethod.GET],
      integration,
      authorizer,
    });
    // Any other method on a known path reaches the function, which answers 405 with an Allow
    // header; without these API Gateway would answer a bare 404 itself.
    for (const path of ['/revocations', '/revocations/{accountId}']) {
      this.api.addRoutes({ path, methods: [apigw.HttpMethod.ANY], integration, authorizer });
    }
    // The $default route: a request no other route matches reaches the function, which answers
    // the API's JSON 404 with an X-Request-ID instead of API Gateway's bare one. Added last
    // (not as the API's defaultIntegration) so the shared integration keeps the logical id it got
    // from the first route, and a deploy does not replace it.
    new apigw.HttpRoute(this.api, 'DefaultRoute', {
      httpApi: this.api,
      routeKey: apigw.HttpRouteKey.DEFAULT,
      integration,
      authorizer,
    });

    this.routeArns = {
      revoke: this.api.arnForExecuteApi('POST', '/revocations', '$default'),
      history: this.api.arnForExecuteApi('GET', '/revocations/*', '$default'),
    };
  }

  public get url(): string {
    // The $default stage is served at the root of the API endpoint.
    return `${this.api.apiEndpoint}/`;
  }
}
