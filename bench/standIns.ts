// The local stand-ins the benchmark runs against (dynalite, Secrets Manager, Huawei simulator),
// in the parent process, with seeding and the checks that every revocation was recorded.
import { randomBytes } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { type LocalDynamo, startDynalite } from '../local/localDynamo.js';
import { MeetingSimulator } from '../local/MeetingSimulator.js';
import { SecretsManagerStandIn } from '../local/SecretsManagerStandIn.js';
import { SqsStandIn } from '../test/support/SqsStandIn.js';
import { UpstreamLateness } from './upstreamLateness.js';

export interface StandIns {
  dynamo: LocalDynamo;
  meeting: MeetingSimulator;
  secrets: SecretsManagerStandIn;
  /** Only the fan-out sweep is pointed at it (`AWS_ENDPOINT_URL_SQS`, `WORK_QUEUE_URL`). */
  sqs: SqsStandIn;
  /** How late the simulator answers against its latency. */
  lateness: UpstreamLateness;
  /** The environment that points an SDK client or the handler at these stand-ins. */
  env: Record<string, string>;
  /** Stores a live token for each account: the secret under `prefix`, the token upstream. */
  seed(prefix: string, accountIds: readonly string[]): string[];
  /** Outcome records (markers excluded) in `table` with this outcome. */
  countRecords(table: string, outcome: string): Promise<number>;
  stop(): Promise<void>;
}

export const newToken = (): string => `cnr1${randomBytes(20).toString('hex')}`;

export const startStandIns = async (): Promise<StandIns> => {
  const [dynamo, meeting, secrets, sqs] = await Promise.all([
    startDynalite(),
    MeetingSimulator.start(),
    SecretsManagerStandIn.start(),
    SqsStandIn.start(),
  ]);
  const lateness = new UpstreamLateness(meeting.baseUrl);
  return {
    dynamo,
    meeting,
    secrets,
    sqs,
    lateness,
    env: {
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
      // Nothing here may reach SQS: the sweep runs inline. A closed port makes a stray call fail.
      AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:9',
      MEETING_API_BASE_URL: meeting.baseUrl,
    },
    seed(prefix, accountIds) {
      return accountIds.map((accountId) => {
        const token = newToken();
        meeting.addToken(token);
        secrets.put(
          `${prefix}${accountId}`,
          JSON.stringify({ accessToken: token, appId: 'app-1' }),
        );
        return token;
      });
    },
    async countRecords(table, outcome) {
      let count = 0;
      let start: Record<string, unknown> | undefined;
      do {
        const page = await dynamo.documentClient.send(
          new ScanCommand({
            TableName: table,
            Select: 'COUNT',
            FilterExpression: 'outcome = :outcome',
            ExpressionAttributeValues: { ':outcome': outcome },
            ExclusiveStartKey: start,
          }),
        );
        count += page.Count ?? 0;
        start = page.LastEvaluatedKey;
      } while (start);
      return count;
    },
    async stop() {
      lateness.stop();
      await Promise.all([dynamo.stop(), meeting.stop(), secrets.stop(), sqs.stop()]);
    },
  };
};
