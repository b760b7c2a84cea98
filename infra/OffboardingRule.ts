// Offboarding: an EventBridge rule that sends "Account Offboarded" events to the function.
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { DeadLetterQueue } from './DeadLetterQueue.js';

export interface OffboardingRuleProps {
  readonly target: lambda.IFunction;
  /** `default` for the account's default event bus. */
  readonly eventBusName: string;
  readonly sources: readonly string[];
}

/** The detail-type the identity system emits when an account is offboarded. */
export const offboardingDetailType = 'Account Offboarded';

export class OffboardingRule extends Construct {
  public readonly rule: events.Rule;
  public readonly deadLetters: DeadLetterQueue;

  public constructor(scope: Construct, id: string, props: OffboardingRuleProps) {
    super(scope, id);

    this.deadLetters = new DeadLetterQueue(this, 'DeadLetters', {
      label: 'offboarding-delivery',
      holds: 'offboarding events EventBridge could not hand to the function',
      action:
        'Check that the function exists and accepts EventBridge invocations, then put the events (the message bodies) on the bus again: nothing was revoked for them.',
      deadLetterOf: "the offboarding rule's Lambda target",
    });

    this.rule = new events.Rule(this, 'Rule', {
      description: 'Revoke the Huawei Cloud Meeting tokens of offboarded accounts',
      eventBus:
        props.eventBusName === 'default'
          ? undefined
          : events.EventBus.fromEventBusName(this, 'Bus', props.eventBusName),
      eventPattern: { source: [...props.sources], detailType: [offboardingDetailType] },
      targets: [
        new LambdaFunction(props.target, {
          // Delivery, not the revocation itself, is retried here: Lambda retries a failed event.
          retryAttempts: 8,
          maxEventAge: Duration.hours(2),
          deadLetterQueue: this.deadLetters.queue,
        }),
      ],
    });
  }
}
