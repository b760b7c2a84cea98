// Child process of the benchmark: a cold invocation. Imports a handler (the bundle, or a
// hello-world one) in a fresh process, answers one `POST /revocations` and reports at once.
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { httpEvent } from '../test/support/events.js';
import { fakeContext } from '../test/support/lambdaContext.js';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

const { module, accountId } = JSON.parse(process.env['BENCH_COLD'] ?? '{}') as {
  module: string;
  accountId: string;
};
const { handler } = (await import(module)) as { handler: Handler };
const answer = (await handler(
  httpEvent({ method: 'POST', path: '/revocations', body: { accountId, reason: 'benchmark' } }),
  fakeContext(),
)) as APIGatewayProxyStructuredResultV2;
process.stdout.write(
  `BENCH_ANSWER ${JSON.stringify({ statusCode: answer.statusCode, uptimeMs: performance.now() })}\n`,
);
process.exit(0);
