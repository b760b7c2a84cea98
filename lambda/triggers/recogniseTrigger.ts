// Recognises which of the five triggers an event comes from (docs/INTERFACE.md, "Entry points"); anything else is an
// error that must reach the dead-letter path, not vanish.
import { UnknownEventError } from '../commons/errors.js';

export type TriggerKind = 'http' | 'offboarding' | 'schedule' | 'queue' | 'rotation';

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const recogniseTrigger = (event: unknown): TriggerKind => {
  if (isObject(event)) {
    const context = event['requestContext'];
    if (isObject(context) && isObject(context['http'])) return 'http';
    if (event['detail-type'] === 'Account Offboarded') return 'offboarding';
    if (event['action'] === 'sweep') return 'schedule';
    if (event['source'] === 'aws.events' && event['detail-type'] === 'Scheduled Event') {
      return 'schedule';
    }
    // Secrets Manager's rotation event; real ones carry RotationToken and more, never needed.
    if (
      typeof event['SecretId'] === 'string' &&
      typeof event['ClientRequestToken'] === 'string' &&
      typeof event['Step'] === 'string'
    ) {
      return 'rotation';
    }
    const records = event['Records'];
    // Lambda always sets eventSource; a hand-made batch (a replay, a test) may carry only
    // messageId and body, which is all the consumer reads.
    const isSqsRecord = (record: unknown) =>
      isObject(record) &&
      (record['eventSource'] === 'aws:sqs' ||
        (record['eventSource'] === undefined &&
          typeof record['messageId'] === 'string' &&
          typeof record['body'] === 'string'));
    if (Array.isArray(records) && records.length > 0 && records.every(isSqsRecord)) {
      return 'queue';
    }
  }
  throw new UnknownEventError(
    'Unrecognised event: expected an API Gateway HTTP API (2.0) request, an "Account Offboarded" ' +
      'EventBridge event, a sweep schedule, an SQS batch or a Secrets Manager rotation step.',
  );
};
