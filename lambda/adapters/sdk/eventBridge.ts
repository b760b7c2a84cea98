// The part of the EventBridge client this project uses. Loaded with a dynamic import on the first
// event: importing the package itself that way would keep every command of it, while a module of
// named re-exports lets the bundler drop the rest.
export { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
