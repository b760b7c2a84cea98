// Checks an event against its trigger's schema: the one way a trigger refuses a malformed event,
// naming every problem by its path.
import type * as v from 'valibot';
import { InvalidEventError } from '../commons/errors.js';
import { validate } from '../commons/schemas.js';

/** The event as its schema types it, or an InvalidEventError listing each problem by path. */
export const parseEvent = <Schema extends v.GenericSchema>(
  schema: Schema,
  event: unknown,
  kind: string,
): v.InferOutput<Schema> => {
  const result = validate(schema, event);
  if (result.success) return result.data;
  throw new InvalidEventError(
    `Invalid ${kind} event: ${result.problems
      .map((problem) => `${problem.path.join('.') || 'event'}: ${problem.message}`)
      .join('; ')}`,
  );
};
