// cdk-nag's AwsSolutions pack finds nothing unacknowledged, and every acknowledgement says why in one sentence.
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Synthesized, synthesize } from './synthesize.js';

let defaults: Synthesized;
let everythingOn: Synthesized;
let foreignBus: Synthesized;

beforeAll(() => {
  defaults = synthesize();
  everythingOn = synthesize({
    secretsKmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    alarmEmail: 'oncall@example.com',
    offboardingEventBusName: 'hr-events',
    reservedConcurrency: 'none',
    verifyRevocation: 'true',
    outcomeEventBusName: 'revocation-outcomes',
    rotationAccounts: '["svc-a","svc-b"]',
    appCredentialsSecretName: 'meeting/app-credentials',
  });
  foreignBus = synthesize({
    outcomeEventBusName: 'arn:aws:events:eu-west-1:210987654321:event-bus/central-outcomes',
  });
});

/** Every acknowledgement in the tree as `path: id -> reason`. */
const acknowledgements = ({ app }: Synthesized): { path: string; id: string; reason: string }[] =>
  app.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path.replace(/^MeetingTokenRevoker\//, ''),
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );

describe('cdk-nag AwsSolutions', () => {
  it.each([
    ['the defaults', () => defaults],
    ['every option on', () => everythingOn],
    ['an outcome event bus of another account', () => foreignBus],
  ])('reports no unacknowledged finding with %s', (_name, synthesized) => {
    // Act
    const report = new AwsSolutionsChecks().validateScope(synthesized().app);

    // Assess
    expect(
      report.violations.map((v) => `${v.ruleName} ${v.violatingResources[0]?.constructPath}`),
    ).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('would report a finding nobody acknowledged', () => {
    // Prepare: the same tree with acknowledgements stripped, to prove the check has teeth.
    const original = Validations.prototype.acknowledge;
    Validations.prototype.acknowledge = () => undefined;
    let bare: Synthesized;
    try {
      bare = synthesize();
    } finally {
      Validations.prototype.acknowledge = original;
    }

    // Act
    const report = new AwsSolutionsChecks().validateScope(bare.app);

    // Assess
    expect(report.violations.map((v) => v.ruleName).sort()).toEqual([
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-IAM5[Resource::<RevokerFunction157F14BE.Arn>:*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:meeting/service-accounts/*]',
      'AwsSolutions-SQS3',
    ]);
  });

  it('acknowledges exactly these findings, each where it arises', () => {
    // Act
    const found = acknowledgements(defaults).map(({ path, id }) => `${path}: ${id}`);

    // Assess
    expect(found.sort()).toEqual([
      'ApiRevoker/Role: AwsSolutions-IAM5[Resource::*]',
      'ApiRevoker/Role: AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:meeting/service-accounts/*]',
      'Offboarding/DeadLetters/Queue: AwsSolutions-SQS3',
      'Revoker/FailedInvocations/Queue: AwsSolutions-SQS3',
      'Revoker/Role: AwsSolutions-IAM5[Resource::*]',
      'Revoker/Role: AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:meeting/service-accounts/*]',
      'Sweep/DeadLetters/Queue: AwsSolutions-SQS3',
      'Sweep/InvokeRole: AwsSolutions-IAM5[Resource::<RevokerFunction157F14BE.Arn>:*]',
    ]);
  });

  it('gives every acknowledgement a one-sentence reason', () => {
    // Act
    const reasons = acknowledgements(everythingOn).map(({ reason }) => reason);

    // Assess
    expect(reasons.length).toBeGreaterThan(0);
    for (const reason of reasons) {
      expect(reason).toMatch(/^[A-Z].{20,}\.$/);
      expect(reason).not.toMatch(/[.!?]\s+[A-Z]/);
    }
  });
});
