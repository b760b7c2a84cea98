// A Lambda Context for handler tests whose remaining time really runs down.
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

export interface FakeContextOptions {
  /** Time left when the context is made; it then counts down in real time. Default 60000. */
  remainingMs?: number;
  functionName?: string;
  awsRequestId?: string;
}

export function fakeContext(options: FakeContextOptions = {}): Context {
  const functionName = options.functionName ?? 'meeting-token-revoker';
  const awsRequestId = options.awsRequestId ?? randomUUID();
  const deadline = Date.now() + (options.remainingMs ?? 60_000);
  const today = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
  const unsupported = () => {
    // The callback-era methods are not used by async handlers; calling one is a test bug.
    throw new Error('done/fail/succeed are not supported by fakeContext');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `${today}/[$LATEST]${randomUUID().replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}
