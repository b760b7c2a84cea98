// The alarms reach someone (the topic's policy and key let CloudWatch publish), and every failure
// has one: FAILED and REJECTED revocations, HTTP 5xx and latency, each function's errors and
// throttles, DynamoDB throttling, dead letters, a work-queue backlog, and the extensions' own.
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiLatencyThresholdMs } from '../../infra/Alarms.js';
import { type Synthesized, synthesize } from './synthesize.js';
import {
  alarmIdsOn,
  firing,
  idsOf,
  logicalId,
  type StackIds,
  type Statement,
  variantContext,
} from './template.js';

let defaults: Synthesized;
let everythingOn: Synthesized;
let template: Template;
let variant: Synthesized;
let ids: StackIds;

beforeAll(() => {
  defaults = synthesize();
  template = defaults.template;
  everythingOn = synthesize({
    verifyRevocation: 'true',
    outcomeEventBusName: 'revocation-outcomes',
    alarmEmail: 'oncall@example.com',
  });
  variant = synthesize(variantContext);
  ids = idsOf(defaults.stack);
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
      ['worker', ids.fn],
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
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: ids.fn } }],
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

describe('the alarms', () => {
  const alarmOn = (t: Template, props: object) => logicalId(t, 'AWS::CloudWatch::Alarm', props);

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

describe('the alarms of the extensions: verification and outcome events', () => {
  let verifying: Synthesized;
  let publishing: Synthesized;
  let defaultBus: Synthesized;

  beforeAll(() => {
    verifying = synthesize({ verifyRevocation: 'true' });
    publishing = synthesize({ outcomeEventBusName: 'revocation-outcomes' });
    defaultBus = synthesize({ verifyRevocation: true, outcomeEventBusName: 'default' });
  });

  /** An alarm on `metricName` summed over the three triggers with the ids `${stem}_${trigger}`. */
  const sumAlarm = (metricName: string, stem: string) => ({
    ...firing,
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
});
