// What the function uses of the SQS SDK, imported on first use. Named here because esbuild keeps
// a whole package in the chunk of a dynamic import() of it, and only what a module re-exports.
export { SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
