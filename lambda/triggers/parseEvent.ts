// Checks an event against its trigger's schema: the one way a trigger refuses a malformed event,
// naming every problem by its path.
import type * as z from 'zod/mini';
import { InvalidEventError } from '../commons/errors.js';

/** The event as its schema types it, or an InvalidEventError listing each issue by path. */
export const parseEvent = <Schema extends z.ZodMiniType>(
  schema: Schema,
  event: unknown,
  kind: string,
): z.infer<Schema> => {
  const result = schema.safeParse(event);
  if (result.success) return result.data;
  throw new InvalidEventError(
    `Invalid ${kind} event: ${result.error.issues
      .map((issue) => `${issue.path.join('.') || 'event'}: ${issue.message}`)
      .join('; ')}`,
  );
};
