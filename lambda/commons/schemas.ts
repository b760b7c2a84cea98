// What every schema here shares, on valibot: a problem without a message of its own reads
// "Invalid input" (valibot's own messages quote the input, which may hold a token), an object is
// a JSON object, and a problem names its place as a path of keys.
import * as v from 'valibot';

const INVALID_INPUT = 'Invalid input';

export interface Problem {
  /** Keys from the input down to the value in question; empty for the input itself. */
  path: (string | number)[];
  message: string;
}

export type Validation<T> = { success: true; data: T } | { success: false; problems: Problem[] };

type Entries = v.ObjectEntries;
type KeyIssue = v.ObjectIssue | v.StrictObjectIssue;

/** A key valibot reports on the object: absent though required, or not allowed (`never`). */
const keyOf = (issue: v.BaseIssue<unknown>) => {
  const at = issue.path?.at(-1);
  return at?.origin === 'key'
    ? { key: String(at.key), input: at.input, unknown: issue.expected === 'never' }
    : undefined;
};

/**
 * The message of a key issue: an absent value has its own schema's message, as when the key is
 * there holding undefined, since valibot reports an absent key on the object instead.
 */
const keyMessage =
  (entries: Entries, unknownKeys?: (keys: string[]) => string) =>
  (issue: KeyIssue): string => {
    const found = keyOf(issue);
    if (!found) return INVALID_INPUT;
    if (found.unknown) {
      const input = found.input as Record<string, unknown>;
      return unknownKeys
        ? unknownKeys(Object.keys(input).filter((key) => !Object.hasOwn(entries, key)))
        : INVALID_INPUT;
    }
    const message = (entries[found.key] as { message?: v.ErrorMessage<v.BaseIssue<unknown>> })
      .message;
    return typeof message === 'function'
      ? message({ ...issue, input: undefined })
      : (message ?? INVALID_INPUT);
  };

/**
 * Hand-written guard: valibot's objects take any non-null object, arrays included, and an array
 * is refused as not an object rather than for the fields it lacks.
 */
const isJsonObject = (input: unknown): input is Record<string, unknown> =>
  typeof input === 'object' && input !== null && !Array.isArray(input);

/** A JSON object holding these entries; other keys are dropped. */
export const jsonObject = <const E extends Entries>(entries: E) =>
  v.pipe(v.custom<Record<string, unknown>>(isJsonObject), v.object(entries, keyMessage(entries)));

/** A JSON object holding these entries and no other key: the other keys are one problem, named. */
export const strictJsonObject = <const E extends Entries>(
  entries: E,
  unknownKeys: (keys: string[]) => string,
) =>
  v.pipe(
    v.custom<Record<string, unknown>>(isJsonObject),
    v.strictObject(entries, keyMessage(entries, unknownKeys)),
  );

/**
 * At most `max` characters, a character being a code point (an emoji is one, not two). Hand-written:
 * valibot's maxLength counts UTF-16 units and its maxGraphemes counts what a reader sees as one.
 */
export const maxChars = (max: number, message?: string) =>
  v.check((text: string) => text.length <= max || [...text].length <= max, message);

/** The input as the schema types it, or every problem with it, each named by its path. */
export const validate = <S extends v.GenericSchema>(
  schema: S,
  input: unknown,
): Validation<v.InferOutput<S>> => {
  const result = v.safeParse(schema, input, { message: INVALID_INPUT });
  if (result.success) return { success: true, data: result.output };
  return {
    success: false,
    problems: result.issues.map((issue) => {
      const path = (issue.path ?? []).map((item) => item.key as string | number);
      // A key not allowed is a problem of the object holding it, not of a value.
      return { path: keyOf(issue)?.unknown ? path.slice(0, -1) : path, message: issue.message };
    }),
  };
};
