// Rotation (opt-in): the worker is the rotation function of exactly the listed accounts' secrets,
// with a schedule each, Secrets Manager's invoke permission for this account, and write access to
// those secrets only; without rotationAccounts there is no schedule and no secret write access.
import { Validations } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ContextKey, readConfig, rotationScheduleProblem } from '../../infra/config.js';
import { ContextError } from '../../infra/errors.js';
import { type Synthesized, synthesize } from './synthesize.js';
import { secretArnOf } from './template.js';

interface Statement {
  Sid?: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

const KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const WRITE_ACTIONS = [
  'secretsmanager:PutSecretValue',
  'secretsmanager:UpdateSecretVersionStage',
  'secretsmanager:CancelRotateSecret',
  'secretsmanager:RotateSecret',
];

const actionsOf = (statement: Statement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

/** Every statement of every inline policy in the template. */
const statementsOf = (template: Template): Statement[] =>
  Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (policy) => policy.Properties.PolicyDocument.Statement as Statement[],
  );

/** Every statement of the policies attached to the role `roleId`. */
const statementsOfRole = (template: Template, roleId: string): Statement[] =>
  Object.values(
    template.findResources('AWS::IAM::Policy', {
      Properties: { Roles: Match.arrayWith([{ Ref: roleId }]) },
    }),
  ).flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);

/** The ARN pattern of a secret by name, as the template writes it. */
const secretArn = (name: string) => secretArnOf(`${name}-??????`);

const rotating = {
  rotationAccounts: '["a","b"]',
  appCredentialsSecretName: 'meeting/app',
};

let off: Synthesized;
let on: Synthesized;
let onWithKey: Synthesized;
let ids: { worker: string; workerRole: string; apiRole: string };

beforeAll(() => {
  off = synthesize();
  on = synthesize(rotating);
  onWithKey = synthesize({ ...rotating, secretsKmsKeyArn: KEY_ARN });
  const { stack } = on;
  const id = (construct: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(construct.node.defaultChild as never);
  ids = {
    worker: id(stack.revoker.function),
    workerRole: id(stack.revoker.function.role as never),
    apiRole: id(stack.apiRevoker.function.role as never),
  };
});

describe('rotation with rotationAccounts ["a","b"]', () => {
  it('puts exactly one rotation schedule on each listed secret, by name, run by the worker', () => {
    // Act
    const schedules = Object.values(
      on.template.findResources('AWS::SecretsManager::RotationSchedule'),
    );

    // Assess
    expect(schedules).toHaveLength(2);
    expect(schedules.map((s) => s.Properties.SecretId).sort()).toEqual([
      'meeting/service-accounts/a',
      'meeting/service-accounts/b',
    ]);
    for (const schedule of schedules) {
      expect(schedule.Properties).toMatchObject({
        RotationLambdaARN: { 'Fn::GetAtt': [ids.worker, 'Arn'] },
        RotationRules: { ScheduleExpression: 'rate(12 hours)' },
        RotateImmediatelyOnUpdate: false,
      });
    }
  });

  it('takes the schedule from rotationSchedule', () => {
    // Act
    const { template } = synthesize({ ...rotating, rotationSchedule: 'cron(0 4 ? * MON-FRI *)' });

    // Assess
    template.allResourcesProperties('AWS::SecretsManager::RotationSchedule', {
      RotationRules: { ScheduleExpression: 'cron(0 4 ? * MON-FRI *)' },
    });
  });

  it('lets Secrets Manager invoke the worker on behalf of this account only, before any schedule', () => {
    // Act
    const permissions = on.template.findResources('AWS::Lambda::Permission', {
      Properties: { Principal: 'secretsmanager.amazonaws.com' },
    });
    const schedules = Object.values(
      on.template.findResources('AWS::SecretsManager::RotationSchedule'),
    );

    // Assess
    expect(Object.values(permissions)).toEqual([
      {
        Type: 'AWS::Lambda::Permission',
        Properties: {
          Action: 'lambda:InvokeFunction',
          FunctionName: { 'Fn::GetAtt': [ids.worker, 'Arn'] },
          Principal: 'secretsmanager.amazonaws.com',
          SourceAccount: { Ref: 'AWS::AccountId' },
        },
      },
    ]);
    for (const schedule of schedules) {
      expect(schedule.DependsOn).toEqual(Object.keys(permissions));
    }
  });

  it('lets the worker rotate and cancel rotation of exactly the listed secrets, and read the App ID secret', () => {
    // Act
    const statements = statementsOfRole(on.template, ids.workerRole);
    const bySid = (sid: string) => statements.find((statement) => statement.Sid === sid);

    // Assess
    const listed = [
      secretArn('meeting/service-accounts/a'),
      secretArn('meeting/service-accounts/b'),
    ];
    expect(bySid('RotateServiceAccountTokens')).toMatchObject({
      Action: [
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
        'secretsmanager:PutSecretValue',
        'secretsmanager:UpdateSecretVersionStage',
      ],
      Resource: listed,
    });
    expect(bySid('CancelRotationOnOffboarding')).toMatchObject({
      Action: 'secretsmanager:CancelRotateSecret',
      Resource: listed,
    });
    expect(bySid('ReadAppCredentials')).toMatchObject({
      Action: 'secretsmanager:GetSecretValue',
      Resource: secretArn('meeting/app'),
    });
    // Nothing else in the template may write to a secret, and RotateSecret is nobody's.
    const writers = statementsOf(on.template).filter((statement) =>
      actionsOf(statement).some((action) => WRITE_ACTIONS.includes(action)),
    );
    expect(writers.map((statement) => statement.Sid).sort()).toEqual([
      'CancelRotationOnOffboarding',
      'RotateServiceAccountTokens',
    ]);
    expect(statementsOf(on.template).flatMap(actionsOf)).not.toContain(
      'secretsmanager:RotateSecret',
    );
  });

  it('gives the API function nothing of rotation', () => {
    // Act
    const statements = statementsOfRole(on.template, ids.apiRole);

    // Assess
    expect(statements.flatMap(actionsOf)).not.toEqual(
      expect.arrayContaining(['secretsmanager:PutSecretValue']),
    );
    expect(JSON.stringify(statements)).not.toContain('meeting/app');
  });

  it('grants no KMS use beyond decryption without secretsKmsKeyArn', () => {
    // Act
    const actions = statementsOf(on.template).flatMap(actionsOf);

    // Assess
    expect(actions.filter((action) => action.startsWith('kms:'))).toEqual([]);
  });

  it('encrypts with the configured key only through Secrets Manager and only for the listed secrets', () => {
    // Act
    const statements = statementsOfRole(onWithKey.template, ids.workerRole);
    const bySid = (sid: string) => statements.find((statement) => statement.Sid === sid);

    // Assess
    expect(bySid('EncryptRotatedTokens')).toMatchObject({
      Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
      Resource: KEY_ARN,
      Condition: {
        StringEquals: { 'kms:ViaService': expect.anything() },
        StringLike: {
          'kms:EncryptionContext:SecretARN': [
            secretArn('meeting/service-accounts/a'),
            secretArn('meeting/service-accounts/b'),
          ],
        },
      },
    });
    expect(bySid('DecryptAppCredentials')).toMatchObject({
      Action: 'kms:Decrypt',
      Resource: KEY_ARN,
      Condition: { StringLike: { 'kms:EncryptionContext:SecretARN': secretArn('meeting/app') } },
    });
  });

  it('gives the worker the App ID secret, the grace period and the user id field, with the work queue the grace period needs', () => {
    // Act
    const variables = on.template.findResources('AWS::Lambda::Function')[ids.worker]?.Properties
      .Environment.Variables as Record<string, unknown>;

    // Assess
    expect(variables).toMatchObject({
      MEETING_APP_SECRET_ID: 'meeting/app',
      ROTATION_GRACE_SECONDS: '300',
      SECRET_USER_ID_FIELD: 'userId',
      WORK_QUEUE_URL: expect.anything(),
    });
  });

  it('raises rotation-failed on the RotationFailed metric and counts rotation outcomes in revocations-failed', () => {
    // Act
    const alarms = Object.values(on.template.findResources('AWS::CloudWatch::Alarm'));
    const named = (name: string) =>
      alarms.find((alarm) => alarm.Properties.AlarmName === `MeetingTokenRevoker-${name}`)
        ?.Properties;

    // Assess
    expect(JSON.stringify(named('rotation-failed')?.Metrics)).toContain('"RotationFailed"');
    expect(named('rotation-failed')?.Metrics).toContainEqual(
      expect.objectContaining({
        MetricStat: expect.objectContaining({
          Metric: {
            Namespace: 'MeetingTokenRevoker',
            MetricName: 'RotationFailed',
            Dimensions: expect.arrayContaining([
              { Name: 'service', Value: 'meeting-token-revoker' },
              { Name: 'trigger', Value: 'rotation' },
            ]),
          },
        }),
      }),
    );
    expect(JSON.stringify(named('revocations-failed')?.Metrics)).toContain('"rotation"');
    expect(on.stack.alarms.rotationFailed).toBeDefined();
    const dashboard = JSON.stringify(on.template.findResources('AWS::CloudWatch::Dashboard'));
    expect(dashboard).toContain('Rotation (failed steps');
  });

  it('leaves cdk-nag nothing unacknowledged, with or without a KMS key', () => {
    for (const synthesized of [on, onWithKey]) {
      // Act
      const report = new AwsSolutionsChecks().validateScope(synthesized.app);

      // Assess
      expect(report.violations.map((v) => v.ruleName)).toEqual([]);
    }
  });

  it('adds no cdk-nag acknowledgement: the only wildcard is the random suffix of each named secret', () => {
    // Prepare
    const acknowledged = ({ app }: Synthesized) =>
      app.node
        .findAll()
        .flatMap((construct) =>
          construct.node.metadata
            .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
            .map((entry) => `${construct.node.path} ${Object.keys(entry.data).join()}`),
        )
        .sort();

    // Assess
    expect(acknowledged(on)).toEqual(acknowledged(off));
  });
});

describe('without rotationAccounts', () => {
  it('has no rotation schedule, no invoke permission for Secrets Manager and no rotation alarm', () => {
    // Assess
    off.template.resourceCountIs('AWS::SecretsManager::RotationSchedule', 0);
    expect(
      off.template.findResources('AWS::Lambda::Permission', {
        Properties: { Principal: 'secretsmanager.amazonaws.com' },
      }),
    ).toEqual({});
    expect(off.stack.alarms.rotationFailed).toBeUndefined();
  });

  it('grants no write access to any secret, even with a KMS key', () => {
    for (const { template } of [off, synthesize({ secretsKmsKeyArn: KEY_ARN })]) {
      // Act
      const actions = statementsOf(template).flatMap(actionsOf);

      // Assess
      for (const action of WRITE_ACTIONS) expect(actions).not.toContain(action);
      expect(actions).not.toContain('kms:Encrypt');
      expect(actions).not.toContain('kms:GenerateDataKey');
    }
  });

  it('sets none of the rotation variables', () => {
    // Act
    const environments = JSON.stringify(off.template.findResources('AWS::Lambda::Function'));

    // Assess
    for (const variable of [
      'MEETING_APP_SECRET_ID',
      'ROTATION_GRACE_SECONDS',
      'SECRET_USER_ID_FIELD',
    ]) {
      expect(environments).not.toContain(variable);
    }
  });
});

describe('the rotation settings', () => {
  const errorFor = (context: Partial<Record<ContextKey, unknown>>): ContextError => {
    try {
      readConfig((key) => context[key as ContextKey]);
    } catch (error) {
      if (error instanceof ContextError) return error;
      throw error;
    }
    throw new Error('expected a ContextError');
  };

  it('read a list from cdk.json and a JSON string from -c alike', () => {
    // Act
    const fromJson = readConfig(
      (key) => ({ rotationAccounts: ['a'], appCredentialsSecretName: 'meeting/app' })[key as never],
    );
    const fromFlag = readConfig(
      (key) =>
        ({
          rotationAccounts: '["a"]',
          appCredentialsSecretName: 'meeting/app',
          rotationGraceSeconds: '0',
          secretUserIdField: 'huaweiUserId',
        })[key as never],
    );

    // Assess
    expect(fromJson.rotation).toEqual({
      accounts: ['a'],
      schedule: 'rate(12 hours)',
      appCredentialsSecretName: 'meeting/app',
      graceSeconds: 300,
      userIdField: 'userId',
    });
    expect(fromFlag.rotation).toMatchObject({ graceSeconds: 0, userIdField: 'huaweiUserId' });
    expect(readConfig(() => undefined).rotation).toBeUndefined();
  });

  it.each<[Partial<Record<ContextKey, unknown>>, ContextKey, string]>([
    [{ rotationAccounts: 'a,b' }, 'rotationAccounts', 'JSON list'],
    [{ rotationAccounts: '{"a":1}' }, 'rotationAccounts', 'JSON list'],
    [{ rotationAccounts: '["ok","not ok"]' }, 'rotationAccounts', 'not an account id'],
    [{ rotationAccounts: '["-dash"]' }, 'rotationAccounts', 'not an account id'],
    [{ rotationAccounts: [42] }, 'rotationAccounts', 'not an account id'],
    [{ ...rotating, rotationAccounts: '["a","a"]' }, 'rotationAccounts', 'listed twice'],
    [{ rotationAccounts: '["a"]' }, 'appCredentialsSecretName', 'required'],
    [
      { appCredentialsSecretName: 'meeting/app' },
      'appCredentialsSecretName',
      'nothing would rotate',
    ],
    [
      { ...rotating, appCredentialsSecretName: 'meeting app' },
      'appCredentialsSecretName',
      'secret name',
    ],
    [
      { ...rotating, appCredentialsSecretName: 'meeting/service-accounts/app' },
      'appCredentialsSecretName',
      'under secretPrefix',
    ],
    [{ rotationSchedule: 'rate(3 hours)' }, 'rotationSchedule', 'every 4 hours'],
    [{ rotationSchedule: 'rate(1001 days)' }, 'rotationSchedule', '1000 days'],
    [{ rotationSchedule: 'rate(12 minutes)' }, 'rotationSchedule', 'rate(N hours)'],
    [{ rotationSchedule: 'cron(0 4 * * ?)' }, 'rotationSchedule', '6 fields'],
    [{ rotationSchedule: 'at(2026-12-24T00:00:00)' }, 'rotationSchedule', 'rate(N hours)'],
    [{ rotationGraceSeconds: 901 }, 'rotationGraceSeconds', 'from 0 to 900'],
    [{ rotationGraceSeconds: '-1' }, 'rotationGraceSeconds', 'from 0 to 900'],
    [{ secretUserIdField: '' }, 'secretUserIdField', 'must not be empty'],
  ])('refuse %j, naming %s', (context, key, message) => {
    // Act
    const error = errorFor(context);

    // Assess
    expect(error.key).toBe(key);
    expect(error.message).toContain(`context "${key}"`);
    expect(error.message).toContain(message);
  });

  it.each([
    'rate(4 hours)',
    'rate(1 day)',
    'rate(1000 days)',
    'rate(24000 hours)',
    'cron(0 4 ? * MON-FRI *)',
    'cron(0 */4 * * ? *)',
  ])('accept the schedule %s', (expression) => {
    // Assess
    expect(rotationScheduleProblem(expression)).toBeUndefined();
  });
});
