// The nightly sweep: EventBridge Scheduler invokes the function to revoke every token under the prefix.
import { Aws, Duration, TimeZone, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import { DeadLetterQueue } from './DeadLetterQueue.js';

export interface SweepScheduleProps {
  readonly target: lambda.IFunction;
  readonly expression: string;
  readonly timeZone: string;
  readonly enabled: boolean;
}

/** The sweep's Scheduler input, with the context attributes Scheduler fills in per run. */
export const sweepInput = {
  action: 'sweep',
  scheduledTime: scheduler.ContextAttribute.scheduledTime,
  executionId: scheduler.ContextAttribute.executionId,
};

export class SweepSchedule extends Construct {
  public readonly schedule: scheduler.Schedule;
  public readonly deadLetters: DeadLetterQueue;

  public constructor(scope: Construct, id: string, props: SweepScheduleProps) {
    super(scope, id);

    this.deadLetters = new DeadLetterQueue(this, 'DeadLetters', {
      label: 'sweep-delivery',
      holds: 'sweeps EventBridge Scheduler could not hand to the function',
      action:
        'Check that the function exists and that the schedule role may invoke it, then invoke the function with the message body (or wait for the next run).',
      deadLetterOf: "the sweep schedule's Lambda target",
    });

    // Our own role, so the trust policy names this account (no confused deputy) and the
    // acknowledgement below sits on a construct we own.
    const role = new iam.Role(this, 'InvokeRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description: 'meeting-token-revoker: lets EventBridge Scheduler start the sweep',
    });

    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: 'Revoke every Huawei Cloud Meeting token under the secret prefix',
      schedule: scheduler.ScheduleExpression.expression(
        props.expression,
        TimeZone.of(props.timeZone),
      ),
      enabled: props.enabled,
      target: new LambdaInvoke(props.target, {
        role,
        input: scheduler.ScheduleTargetInput.fromObject(sweepInput),
        // Delivery, not the sweep itself, is retried here: Lambda retries a failed sweep.
        retryAttempts: 3,
        maxEventAge: Duration.hours(1),
        deadLetterQueue: this.deadLetters.queue,
      }),
    });

    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${logicalIdOf(props.target)}.Arn>:*]`,
      reason:
        "The scheduler target grants lambda:InvokeFunction on the function's versions and aliases too; it is still this one function.",
    });
  }
}

/** The CloudFormation logical id of a function defined in the same stack. */
const logicalIdOf = (fn: lambda.IFunction): string => {
  const resource = fn.node.defaultChild;
  if (resource === undefined) throw new Error(`${fn.node.path} has no CloudFormation resource`);
  return fn.stack.getLogicalId(resource as lambda.CfnFunction);
};
