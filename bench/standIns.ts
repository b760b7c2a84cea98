// The local stand-ins the benchmark runs against (dynalite, Secrets Manager, Huawei simulator),
// with seeding and the checks that every revocation was recorded. dynalite runs in a process of
// its own, as DynamoDB is a service of its own: its CPU work must not delay the simulator's answers.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { connectDynamo, type LocalDynamo } from '../local/localDynamo.js';
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

/**
 * Starts `script` (bench/dynaliteProcess, bundled) and connects to the dynalite it prints. The
 * child is killed by stop(), on SIGINT and whenever this process exits; if this process dies
 * too hard for any of those, the child sees its stdin close and exits by itself.
 */
const startDynaliteProcess = async (script: string): Promise<LocalDynamo> => {
  const child = spawn(process.execPath, [script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const kill = () => child.kill();
  const interrupted = () => {
    kill();
    process.exit(130);
  };
  process.once('exit', kill);
  process.once('SIGINT', interrupted);
  const forget = () => {
    process.off('exit', kill);
    process.off('SIGINT', interrupted);
  };
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const endpoint = await new Promise<string>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout });
      lines.once('line', (line) => {
        lines.close();
        resolve((JSON.parse(line) as { endpoint: string }).endpoint);
      });
      child.once('error', reject);
      child.once('exit', (code, signal) =>
        reject(new Error(`the dynalite process ended (${code ?? signal}) before listening`)),
      );
    });
    return connectDynamo(endpoint, async () => {
      forget();
      kill();
      await exited;
    });
  } catch (error) {
    forget();
    kill();
    throw error;
  }
};

/** `dynaliteScript`: bench/dynaliteProcess.ts bundled to plain JavaScript. */
export const startStandIns = async (dynaliteScript: string): Promise<StandIns> => {
  const [dynamo, meeting, secrets, sqs] = await Promise.all([
    startDynaliteProcess(dynaliteScript),
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
