// One deployment of the `npm run build` bundle: the API function or the worker, each with its own
// log group, reserved concurrency and exactly the access its triggers need.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Aws, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  METRICS_NAMESPACE,
  OUTCOME_EVENT_SOURCE,
  SERVICE_NAME,
} from '../lambda/commons/interface.js';
import type { RevokerConfig } from './config.js';
import { DeadLetterQueue } from './DeadLetterQueue.js';
import { BundleMissingError } from './errors.js';

/**
 * What a deployment of the bundle serves. `api`: the HTTP API only, invoked synchronously by API
 * Gateway, so an ops request never waits behind a sweep. `worker`: the schedule, offboarding
 * events and the work queue; it alone may enumerate secrets and enqueue work.
 */
export type RevokerKind = 'api' | 'worker';

export interface RevokerFunctionProps {
  readonly kind: RevokerKind;
  readonly config: RevokerConfig;
  /** undefined: the function draws on the account's unreserved pool. */
  readonly reservedConcurrency: number | undefined;
  /** Absolute path of the directory holding `handler.mjs` (and its source map). */
  readonly codePath: string;
  readonly outcomeTable: dynamodb.ITable;
  readonly idempotencyTable: dynamodb.ITable;
  /** The queue the worker's sweep fans out to; the API function gets none. */
  readonly workQueue?: sqs.IQueue;
}

/** The Powertools service name, also the `service` dimension of every metric the function emits. */
export const serviceName = SERVICE_NAME;
export const metricsNamespace = METRICS_NAMESPACE;
/** The `Source` of every outcome event, the one the function sends. */
export const outcomeEventSource = OUTCOME_EVENT_SOURCE;

export class RevokerFunction extends Construct {
  /**
   * 29 s: a revocation with the default retry policy needs at most 3 x 5 s plus 2 x 2 s of backoff,
   * and the HTTP API stops waiting at 30 s, so a caller always gets the function's own answer (and
   * its outcome record) rather than a gateway timeout. The sweep only lists secrets and enqueues.
   */
  public static readonly timeout = Duration.seconds(29);

  public readonly kind: RevokerKind;
  public readonly function: lambda.Function;
  public readonly logGroup: logs.LogGroup;
  /** The bus outcome events go to (`outcomeEventBusName`); undefined when they are off. */
  public readonly outcomeEventBus: events.IEventBus | undefined;
  /** The worker's asynchronous invocations (offboarding events, sweeps) that failed every retry. */
  public readonly failedInvocations: DeadLetterQueue | undefined;

  public constructor(scope: Construct, id: string, props: RevokerFunctionProps) {
    super(scope, id);
    const { config, kind } = props;
    this.kind = kind;
    const worker = kind === 'worker';
    if (worker !== (props.workQueue !== undefined)) {
      throw new Error(`${this.node.path}: the worker, and only the worker, has a work queue`);
    }

    const entry = join(props.codePath, 'handler.mjs');
    if (!existsSync(entry)) throw new BundleMissingError(entry);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: config.logRetentionDays as logs.RetentionDays,
      // Kept when the stack is deleted (they are evidence), but not after a failed first create,
      // which would otherwise leave orphans behind for a rollback nobody asked to keep.
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });

    // An explicit role instead of AWSLambdaBasicExecutionRole: logs go to this one log group only.
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: worker
        ? 'meeting-token-revoker worker: enumerate and read service-account tokens, record outcomes, queue work'
        : 'meeting-token-revoker API: read service-account tokens, record outcomes',
    });
    this.logGroup.grantWrite(role);

    // A name is a bus of this account and region (`default` included); an ARN may name any bus.
    const busName = config.outcomeEventBusName;
    this.outcomeEventBus =
      busName === undefined
        ? undefined
        : busName.startsWith('arn:')
          ? events.EventBus.fromEventBusArn(this, 'OutcomeEventBus', busName)
          : events.EventBus.fromEventBusName(this, 'OutcomeEventBus', busName);

    // Only the worker is invoked asynchronously; API Gateway waits for the API function's answer.
    this.failedInvocations = worker
      ? new DeadLetterQueue(this, 'FailedInvocations', {
          label: 'failed-invocations',
          holds:
            "offboarding events and sweeps whose invocation still failed after Lambda's asynchronous retries",
          action:
            'Each message carries the original event and the error: fix the cause (see the worker function logs), then send the event again (the revocation is idempotent, revoked accounts answer ALREADY_REVOKED).',
          deadLetterOf:
            "the worker function's asynchronous invocations (its on-failure destination)",
        })
      : undefined;

    this.function = new lambda.Function(this, 'Function', {
      description: worker
        ? 'Revokes Huawei Cloud Meeting tokens: sweeps, offboarding events and queued work'
        : 'Revokes Huawei Cloud Meeting tokens: the HTTP API for ops tools',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      // The very bundle `npm run build` produced and the tests ran: no second bundling here.
      code: lambda.Code.fromAsset(props.codePath, {
        // handler.mjs, its map and the chunks it imports (code split off for a faster cold start).
        exclude: [
          '*',
          '!handler.mjs',
          '!handler.mjs.map',
          '!chunks',
          '!chunks/*.mjs',
          '!chunks/*.mjs.map',
        ],
      }),
      handler: 'handler.handler',
      // Network-bound work: 512 MB buys enough CPU for TLS and JSON, and a quick cold start.
      memorySize: 512,
      timeout: RevokerFunction.timeout,
      role,
      tracing: lambda.Tracing.ACTIVE,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      // Never above INFO: the metric lines (EMF) the custom-metric alarms watch carry no `level`,
      // and a higher application log level lets Lambda drop them, freezing those alarms at OK.
      // test/infra/functions.test.ts holds every function to INFO.
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      // The worker's: the only brake on how hard a sweep or an offboarding wave can hit Huawei's
      // API. The API function's: capacity of its own that no sweep can take away.
      reservedConcurrentExecutions: props.reservedConcurrency,
      // Two retries over up to six hours ride out a Huawei outage; then the event is parked.
      ...(this.failedInvocations !== undefined
        ? {
            retryAttempts: 2,
            maxEventAge: Duration.hours(6),
            onFailure: new SqsDestination(this.failedInvocations.queue),
          }
        : {}),
      environment: {
        MEETING_API_BASE_URL: config.meetingApiBaseUrl,
        MEETING_ACCEPT_LANGUAGE: config.meetingAcceptLanguage,
        MEETING_TIMEOUT_MS: String(config.meetingTimeoutMs),
        MEETING_MAX_ATTEMPTS: String(config.meetingMaxAttempts),
        MEETING_RETRY_BASE_MS: String(config.meetingRetryBaseMs),
        SECRET_PREFIX: config.secretPrefix,
        SECRET_TOKEN_FIELD: config.secretTokenField,
        OUTCOME_TABLE_NAME: props.outcomeTable.tableName,
        IDEMPOTENCY_TABLE_NAME: props.idempotencyTable.tableName,
        // Without it the API function could only fan out inline; it never sweeps anyway.
        ...(props.workQueue !== undefined ? { WORK_QUEUE_URL: props.workQueue.queueUrl } : {}),
        SWEEP_CONCURRENCY: String(config.sweepConcurrency),
        POWERTOOLS_SERVICE_NAME: serviceName,
        POWERTOOLS_METRICS_NAMESPACE: metricsNamespace,
        // Stack traces in the logs name lambda/*.ts lines. The maps cover our code only
        // (scripts/build.mjs), so the flag costs a few per cent of the cold import rather than
        // the 15-20 % that maps of the whole bundle cost (BENCHMARKS.md, section 2).
        NODE_OPTIONS: '--enable-source-maps',
        // Lambda's active tracing (above) traces every invocation; the function adds a
        // subsegment per AWS call only on request, as that costs cold start (lambda/commons/tracing.ts).
        POWERTOOLS_TRACE_ENABLED: config.sdkTracing ? 'true' : 'false',
        // The extensions are set only when switched on, so the default deployment's environment
        // is exactly the documented one (README, Configuration) and the function behaves as described there.
        ...(config.verifyRevocation ? { VERIFY_REVOCATION: 'true' } : {}),
        // The ARN rather than the name as given: the variable and the IAM statement below are
        // one value, so the function can only ever publish where it is allowed to.
        ...(this.outcomeEventBus !== undefined
          ? { OUTCOME_EVENT_BUS_NAME: this.outcomeEventBus.eventBusArn }
          : {}),
      },
    });

    // Pseudo parameters rather than the stack's env, so the ARN (and its cdk-nag finding id) reads
    // the same in every environment. Secrets Manager appends a random suffix to each secret's ARN.
    const secretArns = `arn:${Aws.PARTITION}:secretsmanager:${Aws.REGION}:${Aws.ACCOUNT_ID}:secret:${config.secretPrefix}*`;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadServiceAccountTokens',
        actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        resources: [secretArns],
      }),
    );
    if (worker) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          // Neither action supports resource-level permissions. BatchGetSecretValue still needs
          // GetSecretValue on every secret it returns, which the statement above limits to the prefix.
          sid: 'EnumerateServiceAccountTokens',
          actions: ['secretsmanager:ListSecrets', 'secretsmanager:BatchGetSecretValue'],
          resources: ['*'],
        }),
      );
    }
    if (config.secretsKmsKeyArn !== undefined) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'DecryptServiceAccountTokens',
          actions: ['kms:Decrypt'],
          resources: [config.secretsKmsKeyArn],
          conditions: {
            // Only through Secrets Manager, and only for secrets under the prefix.
            StringEquals: { 'kms:ViaService': `secretsmanager.${Aws.REGION}.amazonaws.com` },
            StringLike: { 'kms:EncryptionContext:SecretARN': secretArns },
          },
        }),
      );
    }
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        // The history is append-only for the function: exactly the calls lambda/adapters/OutcomeStore.ts makes;
        // no UpdateItem, DeleteItem, Scan or BatchWriteItem.
        sid: 'RecordOutcomes',
        actions: [
          'dynamodb:GetItem',
          'dynamodb:BatchGetItem',
          'dynamodb:Query',
          'dynamodb:PutItem',
        ],
        resources: [props.outcomeTable.tableArn],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        // What Powertools' DynamoDBPersistenceLayer calls, and nothing else.
        sid: 'TrackIdempotencyKeys',
        actions: [
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
        ],
        resources: [props.idempotencyTable.tableArn],
      }),
    );
    props.workQueue?.grantSendMessages(role);
    if (this.outcomeEventBus !== undefined) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          // PutEvents supports resource-level permissions: this one bus, never "*"; and only
          // events that say they come from this service, so it cannot impersonate another one
          // (say, the identity system's "Account Offboarded") on a shared bus.
          sid: 'PublishOutcomeEvents',
          actions: ['events:PutEvents'],
          resources: [this.outcomeEventBus.eventBusArn],
          conditions: { StringEquals: { 'events:source': outcomeEventSource } },
        }),
      );
    }

    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: worker
        ? 'Only actions without resource-level permissions get "*": xray:PutTraceSegments, xray:PutTelemetryRecords, secretsmanager:ListSecrets and secretsmanager:BatchGetSecretValue.'
        : 'Only actions without resource-level permissions get "*": xray:PutTraceSegments and xray:PutTelemetryRecords.',
    });
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${config.secretPrefix}*]`,
      reason:
        'The wildcard is the secret-name prefix of the service accounts (plus the random suffix Secrets Manager adds), read-only.',
    });
  }
}
