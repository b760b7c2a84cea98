// The work queue the sweep and large offboarding events fan out to, one message per account.
import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DeadLetterQueue } from './DeadLetterQueue.js';

export interface WorkQueueProps {
  /** The consuming function's timeout: a message stays invisible for six times as long. */
  readonly consumerTimeout: Duration;
}

export interface ConsumerOptions {
  readonly batchSize: number;
  /** Caps the pollers, and so the upstream calls a sweep can cause at once. */
  readonly maxConcurrency: number;
}

/** A message is tried this many times before it is parked in the dead-letter queue. */
export const maxReceiveCount = 5;

export class WorkQueue extends Construct {
  public readonly queue: sqs.Queue;
  public readonly deadLetters: DeadLetterQueue;

  public constructor(scope: Construct, id: string, props: WorkQueueProps) {
    super(scope, id);
    this.deadLetters = new DeadLetterQueue(this, 'DeadLetters', {
      label: 'work',
      holds: `work messages (one account each) whose revocation failed ${maxReceiveCount} times`,
      action:
        "Read the accounts' latest outcome records and the function logs for the cause; once Huawei Cloud Meeting or the secret is fixed, redrive the queue to the work queue.",
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      // AWS's rule for Lambda consumers: a batch that is retried inside the function must not
      // reappear to another poller while the first invocation is still running.
      visibilityTimeout: Duration.seconds(props.consumerTimeout.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: this.deadLetters.queue, maxReceiveCount },
    });
  }

  /** Delivers the queue to `fn`, reporting partial batch failures so only failed accounts are retried. */
  public feed(fn: lambda.IFunction, options: ConsumerOptions): void {
    fn.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: options.batchSize,
        maxConcurrency: options.maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
  }
}
