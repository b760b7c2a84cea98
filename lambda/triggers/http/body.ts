// The body of POST /revocations: @middy/http-json-body-parser decodes and parses it; the checks
// it does not make (the size limit, a field named twice) run before it, and its refusals become
// the API's own.
import type middy from '@middy/core';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import * as v from 'valibot';
import { maxChars, strictJsonObject, validate } from '../../commons/schemas.js';
import { AccountIdSchema } from '../../core/accountId.js';
import { HttpError } from './responses.js';

type Event = APIGatewayProxyEventV2;
type Middleware<C extends Context> = middy.MiddlewareObj<
  Event,
  APIGatewayProxyStructuredResultV2,
  Error,
  C
>;

export const MAX_BODY_BYTES = 16 * 1024;

/**
 * What a stored reason may not hold: controls (C0, DEL, C1), unpaired surrogates, line and
 * paragraph separators, and the bidirectional controls that reorder what a reader sees
 * (`SEC-1 \u202egnissecorp` displays as "SEC-1 processing").
 */
const UNPRINTABLE = /[\p{Cc}\p{Cs}\p{Zl}\p{Zp}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

/**
 * Whether a JSON text names one key twice in an object. JSON.parse keeps the last; a validator
 * in front that reads the first would judge another request than the one served. Keys are
 * compared decoded, so `"a"` and `"\u0061"` are the same key. Hand-written: JSON.parse, and so
 * Middy's parser, cannot tell, and a second, full parser for this one check would weigh more.
 * It runs before the text is known to be JSON, so on any other text it ends and never throws;
 * what it says then does not matter, since such a body is refused as not JSON anyway.
 */
export const hasDuplicateKeys = (json: string): boolean => {
  const objects: (Set<string> | undefined)[] = [];
  let i = 0;
  while (i < json.length) {
    const char = json[i];
    if (char === '"') {
      let end = i + 1;
      while (end < json.length && json[end] !== '"') end += json[end] === '\\' ? 2 : 1;
      const literal = json.slice(i, end + 1);
      i = end + 1;
      while (json[i] === ' ' || json[i] === '\t' || json[i] === '\n' || json[i] === '\r') i += 1;
      const keys = objects.at(-1);
      if (json[i] === ':' && keys) {
        const key = keyOf(literal);
        if (keys.has(key)) return true;
        keys.add(key);
      }
      continue;
    }
    if (char === '{') objects.push(new Set());
    else if (char === '[') objects.push(undefined);
    else if (char === '}' || char === ']') objects.pop();
    i += 1;
  }
  return false;
};

const keyOf = (literal: string): string => {
  try {
    return JSON.parse(literal) as string;
  } catch {
    return literal;
  }
};

export const RevocationBodySchema = strictJsonObject(
  {
    accountId: AccountIdSchema,
    reason: v.optional(
      v.pipe(
        v.string('reason must be a string'),
        maxChars(256, 'reason must be at most 256 characters'),
        v.check(
          (reason) => !UNPRINTABLE.test(reason),
          'reason must not contain control characters, bidirectional controls, line separators or unpaired surrogates',
        ),
      ),
    ),
  },
  (keys) => `unknown field(s): ${keys.join(', ')}`,
);

export type RevocationBody = v.InferOutput<typeof RevocationBodySchema>;

const notJson = (message = 'The body must be a JSON object.') =>
  new HttpError(400, 'INVALID_JSON', message);

const tooLarge = () =>
  new HttpError(413, 'PAYLOAD_TOO_LARGE', `The body must be at most ${MAX_BODY_BYTES} bytes.`);

/** The body as text, refused when it decodes to more than MAX_BODY_BYTES. */
const bodyTextOf = (event: Event): string => {
  const raw = event.body ?? '';
  // Decoded size is what counts; base64 is 4/3 larger, so a quick bound saves decoding a flood.
  if (
    raw.length >
    (event.isBase64Encoded ? Math.ceil((MAX_BODY_BYTES * 4) / 3) + 4 : MAX_BODY_BYTES * 4)
  ) {
    throw tooLarge();
  }
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.length > MAX_BODY_BYTES) throw tooLarge();
  return bytes.toString('utf8');
};

/**
 * The API's answer to a refusal of @middy/http-json-body-parser (a 422 with the body in its
 * cause, which must not reach a log line): not JSON is 400 INVALID_JSON. It also refuses valid
 * JSON that names `__proto__` (or a `constructor` holding a `prototype`) anywhere, which no
 * valid body does: inside an object that is an unknown or ill-typed field, 400 VALIDATION_ERROR,
 * as it was when the body was parsed by hand; inside anything else, not an object.
 */
const refusalOf = (error: unknown, text: string): HttpError | undefined => {
  const cause = (error as { cause?: { package?: unknown; data?: unknown } }).cause;
  if (cause?.package !== '@middy/http-json-body-parser') return undefined;
  const forbidden = cause.data === '__proto__' || cause.data === 'constructor';
  if (forbidden && text.trimStart().startsWith('{')) {
    return new HttpError(400, 'VALIDATION_ERROR', `The body must not name a field ${cause.data}.`);
  }
  return notJson();
};

/**
 * The body checks around the parser: before it, the size limit (it has none, and would decode a
 * flood) and a field named twice (parsed, the first is gone); on its error, the API's refusal.
 */
const bodyChecks = <C extends Context>(): Middleware<C> => ({
  before: ({ event }) => {
    const text = bodyTextOf(event);
    if (hasDuplicateKeys(text)) throw notJson('The body must not name a field twice.');
    // Decoded once: the parser reads the text as it was checked.
    event.body = text;
    event.isBase64Encoded = false;
  },
  onError: (request) => {
    // The parser leaves the text in place when it refuses it.
    const { body } = request.event;
    request.error = refusalOf(request.error, typeof body === 'string' ? body : '') ?? request.error;
  },
});

/**
 * The middlewares that read a JSON body into `event.body`. Any Content-Type is read as JSON, as
 * the API always did (the parser's 415 would refuse a body-less POST or a plain `curl -d`); a
 * base64 body (`isBase64Encoded`) is decoded first, its decoded size counting for the limit.
 */
export const jsonBody = <C extends Context>(): Middleware<C>[] => [
  bodyChecks<C>(),
  httpJsonBodyParser<Event>({ disableContentTypeCheck: true }),
];

/** The parsed body as a revocation request, or the API's 400 saying what is wrong with it. */
export const revocationBodyOf = (parsed: unknown): RevocationBody => {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw notJson();
  const result = validate(RevocationBodySchema, parsed);
  if (!result.success) {
    const message = result.problems
      .map((problem) =>
        problem.path.length > 0 && !problem.message.startsWith(String(problem.path[0]))
          ? `${problem.path.join('.')}: ${problem.message}`
          : problem.message,
      )
      .join('; ');
    throw new HttpError(400, 'VALIDATION_ERROR', message);
  }
  return result.data;
};
