// A dead-letter queue that says what lands in it and what an operator should do, so its alarm can too.
import { Duration, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface DeadLetterQueueProps {
  /** Short kebab-case name for alarms and the dashboard, e.g. "offboarding-delivery". */
  readonly label: string;
  /** What a message in this queue is, e.g. "offboarding events EventBridge could not deliver". */
  readonly holds: string;
  /** What an operator does about it. */
  readonly action: string;
  /**
   * Set when the queue is the dead-letter target of something other than an SQS redrive policy
   * (a Lambda destination, an EventBridge or Scheduler target), which cdk-nag cannot see.
   */
  readonly deadLetterOf?: string;
}

export class DeadLetterQueue extends Construct {
  public readonly queue: sqs.Queue;
  public readonly label: string;
  public readonly holds: string;
  public readonly action: string;

  public constructor(scope: Construct, id: string, props: DeadLetterQueueProps) {
    super(scope, id);
    this.label = props.label;
    this.holds = props.holds;
    this.action = props.action;
    this.queue = new sqs.Queue(this, 'Queue', {
      // The longest SQS allows: dead letters are evidence, and someone has to get to them.
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    if (props.deadLetterOf !== undefined) {
      Validations.of(this.queue).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason: `This queue is itself the dead-letter queue of ${props.deadLetterOf}, a link cdk-nag only recognises for SQS redrive policies.`,
      });
    }
  }
}
