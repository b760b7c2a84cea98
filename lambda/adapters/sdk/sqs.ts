// The part of the SQS client this project uses. Loaded with a dynamic import on the first send:
// importing the package itself that way would keep every command of it, while a module of named
// re-exports lets the bundler drop the rest.
export { SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
