// The alarms reach someone (the topic's policy and key let CloudWatch publish), and every failure
// has one: HTTP 5xx and latency, each function's errors and throttles, DynamoDB throttling.
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiLatencyThresholdMs } from '../../infra/Alarms.js';
import { type Synthesized, synthesize } from './synthesize.js';

interface Statement {
  Sid?: string;
  Effect: string;
  Principal?: unknown;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

const firing = {
  Threshold: 1,
  EvaluationPeriods: 1,
  ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  TreatMissingData: 'notBreaching',
};

let defaults: Synthesized;
let everythingOn: Synthesized;
let template: Template;
let ids: {
  topic: string;
  key: string;
  api: string;
  stage: string;
  apiFn: string;
  workerFn: string;
  outcomes: string;
  idempotency: string;
};

beforeAll(() => {
  defaults = synthesize();
  template = defaults.template;
  everythingOn = synthesize({
    verifyRevocation: 'true',
    outcomeEventBusName: 'revocation-outcomes',
    alarmEmail: 'oncall@example.com',
  });
  const { stack } = defaults;
  const id = (construct: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(construct.node.defaultChild as never);
  ids = {
    topic: id(stack.alarms.topic),
    key: id(stack.alarms.topicKey),
    api: id(stack.api.api),
    stage: id(stack.api.stage),
    apiFn: id(stack.apiRevoker.function),
    workerFn: id(stack.revoker.function),
    outcomes: id(stack.tables.outcomes),
    idempotency: id(stack.tables.idempotency),
  };
});

/** The one alarm named `<stackName>-<suffix>`. */
const alarmNamed = (t: Template, suffix: string): Record<string, unknown> => {
  const found = Object.values(
    t.findResources('AWS::CloudWatch::Alarm', {
      Properties: { AlarmName: `MeetingTokenRevoker-${suffix}` },
    }),
  );
  expect(found).toHaveLength(1);
  return found[0]?.Properties as Record<string, unknown>;
};

const topicStatements = (t: Template): Statement[] =>
  Object.values(t.findResources('AWS::SNS::TopicPolicy')).flatMap(
    (policy) => policy.Properties.PolicyDocument.Statement as Statement[],
  );

describe('the alarm topic', () => {
  it.each([
    ['the defaults', () => defaults],
    ['every option on', () => everythingOn],
  ])(
    'lets CloudWatch publish for exactly this stack’s alarms of this account, with %s',
    (_name, synthesized) => {
      // Prepare
      const { template: t, stack } = synthesized();
      const topic = stack.getLogicalId(stack.alarms.topic.node.defaultChild as never);
      const alarmIds = Object.keys(t.findResources('AWS::CloudWatch::Alarm'));
      const publish = topicStatements(t).filter(
        (statement) => statement.Effect === 'Allow' && statement.Action === 'sns:Publish',
      );

      // Assess
      expect(publish).toHaveLength(1);
      expect(publish[0]).toMatchObject({
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Resource: { Ref: topic },
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      });
      const sources = publish[0]?.Condition?.['ArnEquals']?.['aws:SourceArn'] as unknown[];
      expect(sources).toHaveLength(alarmIds.length);
      expect(sources).toEqual(
        expect.arrayContaining(alarmIds.map((alarm) => ({ 'Fn::GetAtt': [alarm, 'Arn'] }))),
      );
    },
  );

  it('still refuses publishers without TLS', () => {
    // Assess
    expect(topicStatements(template)).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
  });

  it('is encrypted with a rotating key CloudWatch may use', () => {
    // Prepare
    const [key] = Object.values(template.findResources('AWS::KMS::Key'));
    const statements = key?.Properties.KeyPolicy.Statement as Statement[];

    // Assess
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [ids.key, 'Arn'] },
    });
    expect(key?.Properties.EnableKeyRotation).toBe(true);
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      }),
    );
  });

  it('is what every alarm notifies, on ALARM and on OK', () => {
    // Assess
    template.allResourcesProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: [{ Ref: ids.topic }],
      OKActions: [{ Ref: ids.topic }],
    });
  });
});

describe('the alarms on ops requests', () => {
  it('fire on the first HTTP 5xx of the API stage, which a CONFIGURATION_ERROR answer (500) counts in', () => {
    // Assess
    expect(alarmNamed(template, 'api-5xx')).toMatchObject({
      ...firing,
      Namespace: 'AWS/ApiGateway',
      MetricName: '5xx',
      Statistic: 'Sum',
      Dimensions: expect.arrayContaining([
        { Name: 'ApiId', Value: { Ref: ids.api } },
        { Name: 'Stage', Value: '$default' },
      ]),
      AlarmDescription: expect.stringContaining('CONFIGURATION_ERROR'),
    });
  });

  it('fire when the slowest 1% of API requests near the timeout', () => {
    // Assess
    expect(alarmNamed(template, 'api-latency')).toMatchObject({
      ...firing,
      Threshold: apiLatencyThresholdMs,
      Namespace: 'AWS/ApiGateway',
      MetricName: 'Latency',
      ExtendedStatistic: 'p99',
      Dimensions: expect.arrayContaining([{ Name: 'ApiId', Value: { Ref: ids.api } }]),
    });
    expect(apiLatencyThresholdMs).toBeLessThan(29_000);
  });

  it('fire on errors and throttles of the API function and of the worker, each on its own', () => {
    // Assess
    for (const [label, fn] of [
      ['api', ids.apiFn],
      ['worker', ids.workerFn],
    ] as const) {
      expect(alarmNamed(template, `${label}-function-throttles`)).toMatchObject({
        ...firing,
        Namespace: 'AWS/Lambda',
        MetricName: 'Throttles',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: fn } }],
      });
    }
    expect(alarmNamed(template, 'worker-function-errors')).toMatchObject({
      ...firing,
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: ids.workerFn } }],
    });
  });

  it("count the API function's 5xx answers (HttpServerError, a CONFIGURATION_ERROR among them) with its Errors", () => {
    // Prepare
    const alarm = alarmNamed(template, 'api-function-errors');
    const metrics = alarm['Metrics'] as {
      Id: string;
      Expression?: string;
      MetricStat?: { Metric: Record<string, unknown>; Stat: string };
    }[];
    const byId = Object.fromEntries(metrics.map((metric) => [metric.Id, metric]));

    // Assess
    expect(alarm).toMatchObject(firing);
    expect(metrics.find((metric) => metric.Expression !== undefined)?.Expression).toBe(
      'FILL(thrown, 0) + FILL(answered, 0)',
    );
    expect(byId['thrown']?.MetricStat).toEqual({
      Metric: {
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: ids.apiFn } }],
      },
      Period: 300,
      Stat: 'Sum',
    });
    expect(byId['answered']?.MetricStat).toEqual({
      Metric: {
        Namespace: 'MeetingTokenRevoker',
        MetricName: 'HttpServerError',
        Dimensions: expect.arrayContaining([
          { Name: 'service', Value: 'meeting-token-revoker' },
          { Name: 'trigger', Value: 'api' },
        ]),
      },
      Period: 300,
      Stat: 'Sum',
    });
    expect(alarm['AlarmDescription']).toEqual(expect.stringContaining('CONFIGURATION_ERROR'));
  });
});

describe('the alarms on storage', () => {
  it.each([
    ['outcome-table', () => ids.outcomes],
    ['idempotency-table', () => ids.idempotency],
  ])('fire on the first throttled read or write of the %s', (label, table) => {
    // Prepare
    const alarm = alarmNamed(template, `${label}-throttles`);
    const metrics = alarm['Metrics'] as {
      Id: string;
      Expression?: string;
      MetricStat?: { Metric: { MetricName: string; Dimensions: unknown } };
    }[];

    // Assess
    expect(alarm).toMatchObject(firing);
    expect(metrics.find((m) => m.Expression)?.Expression).toMatch(
      /^FILL\(\w+, 0\) \+ FILL\(\w+, 0\)$/,
    );
    expect(
      metrics
        .filter((m) => m.MetricStat)
        .map((m) => m.MetricStat?.Metric)
        .sort((a, b) => String(a?.MetricName).localeCompare(String(b?.MetricName))),
    ).toEqual([
      {
        Namespace: 'AWS/DynamoDB',
        MetricName: 'ReadThrottleEvents',
        Dimensions: [{ Name: 'TableName', Value: { Ref: table() } }],
      },
      {
        Namespace: 'AWS/DynamoDB',
        MetricName: 'WriteThrottleEvents',
        Dimensions: [{ Name: 'TableName', Value: { Ref: table() } }],
      },
    ]);
  });
});

describe('the alarm on sweeps and offboarding events answered 401 throughout', () => {
  it('sums AllTokensUnauthorized over the schedule and offboarding triggers', () => {
    // Assess
    expect(alarmNamed(template, 'all-unauthorized')).toMatchObject({
      ...firing,
      Metrics: expect.arrayContaining([
        expect.objectContaining({
          Expression:
            'SUM([all_tokens_unauthorized_offboarding, all_tokens_unauthorized_schedule])',
        }),
        expect.objectContaining({
          Id: 'all_tokens_unauthorized_schedule',
          MetricStat: expect.objectContaining({
            Metric: {
              Namespace: 'MeetingTokenRevoker',
              MetricName: 'AllTokensUnauthorized',
              Dimensions: [
                { Name: 'service', Value: 'meeting-token-revoker' },
                { Name: 'trigger', Value: 'schedule' },
              ],
            },
          }),
        }),
      ]),
    });
  });
});

describe('the dashboard', () => {
  it('has a name of this stack and region, so no second copy collides with it', () => {
    // Assess
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', {
      DashboardName: { 'Fn::Join': ['', ['MeetingTokenRevoker-', { Ref: 'AWS::Region' }]] },
    });
    const other = synthesize({ stackName: 'MeetingTokenRevokerStaging' });
    other.template.hasResourceProperties('AWS::CloudWatch::Dashboard', {
      DashboardName: {
        'Fn::Join': ['', ['MeetingTokenRevokerStaging-', { Ref: 'AWS::Region' }]],
      },
    });
  });

  it('shows each function on a row of its own, the API, DynamoDB throttles, and no label twice in a graph', () => {
    // Prepare
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(defaults.stack.resolve(dashboard?.Properties.DashboardBody));
    const widgets = (
      JSON.parse(
        // The body is a Fn::Join of strings and tokens: tokens become placeholders.
        (JSON.parse(body)['Fn::Join'][1] as unknown[])
          .map((part) => (typeof part === 'string' ? part : 'X'))
          .join(''),
      ) as {
        widgets: {
          properties: { title?: string; metrics?: unknown[][] };
        }[];
      }
    ).widgets;
    const titles = widgets.map((widget) => widget.properties.title);

    // Assess
    expect(titles).toEqual(
      expect.arrayContaining([
        'api function',
        'worker function',
        'HTTP API',
        'DynamoDB throttled requests',
      ]),
    );
    for (const widget of widgets) {
      const labels = (widget.properties.metrics ?? [])
        .map((metric) => metric[metric.length - 1] as { label?: string })
        .map((options) => options?.label)
        .filter((label): label is string => label !== undefined);
      expect(new Set(labels).size).toBe(labels.length);
    }
    expect(body).toContain('work queue');
    expect(body).toContain('work dead letters');
  });
});

describe('the dashboard and alarms together', () => {
  it('list every alarm on the dashboard', () => {
    // Assess
    expect(defaults.stack.alarms.all).toHaveLength(
      Object.keys(template.findResources('AWS::CloudWatch::Alarm')).length,
    );
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', {
      DashboardBody: Match.anyValue(),
    });
  });
});
