// Reads and validates the body of POST /revocations: size first, then JSON, then fields.
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from 'zod/mini';
import { AccountIdSchema } from '../../core/accountId.js';
import { HttpError } from './responses.js';

export const MAX_BODY_BYTES = 16 * 1024;

/**
 * What a stored reason may not hold: controls (C0, DEL, C1), unpaired surrogates, line and
 * paragraph separators, and the bidirectional controls that reorder what a reader sees
 * (`SEC-1 \u202egnissecorp` displays as "SEC-1 processing").
 */
const UNPRINTABLE = /[\p{Cc}\p{Cs}\p{Zl}\p{Zp}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

/**
 * Whether a valid JSON text names one key twice in an object. JSON.parse keeps the last; a
 * validator in front that reads the first would judge another request than the one served.
 * Keys are compared decoded, so `"a"` and `"\u0061"` are the same key.
 */
export const hasDuplicateKeys = (json: string): boolean => {
  const objects: (Set<string> | undefined)[] = [];
  let i = 0;
  while (i < json.length) {
    const char = json[i];
    if (char === '"') {
      let end = i + 1;
      while (json[end] !== '"') end += json[end] === '\\' ? 2 : 1;
      const literal = json.slice(i, end + 1);
      i = end + 1;
      while (json[i] === ' ' || json[i] === '\t' || json[i] === '\n' || json[i] === '\r') i += 1;
      const keys = objects.at(-1);
      if (json[i] === ':' && keys) {
        const key = JSON.parse(literal) as string;
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

export const RevocationBodySchema = z.strictObject(
  {
    accountId: AccountIdSchema,
    reason: z.optional(
      z.string({ error: 'reason must be a string' }).check(
        z.maxLength(256, { error: 'reason must be at most 256 characters' }),
        z.refine((reason) => !UNPRINTABLE.test(reason), {
          error:
            'reason must not contain control characters, bidirectional controls, line separators or unpaired surrogates',
        }),
      ),
    ),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : undefined,
  },
);

export type RevocationBody = z.infer<typeof RevocationBodySchema>;

export const parseRevocationBody = (event: APIGatewayProxyEventV2): RevocationBody => {
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

  const text = bytes.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'INVALID_JSON', 'The body must be a JSON object.');
  }
  if (hasDuplicateKeys(text)) {
    throw new HttpError(400, 'INVALID_JSON', 'The body must not name a field twice.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new HttpError(400, 'INVALID_JSON', 'The body must be a JSON object.');
  }
  const result = RevocationBodySchema.safeParse(parsed);
  if (!result.success) {
    const message = result.error.issues
      .map((issue) =>
        issue.path.length > 0 && !issue.message.startsWith(String(issue.path[0]))
          ? `${issue.path.join('.')}: ${issue.message}`
          : issue.message,
      )
      .join('; ');
    throw new HttpError(400, 'VALIDATION_ERROR', message);
  }
  return result.data;
};

const tooLarge = () =>
  new HttpError(413, 'PAYLOAD_TOO_LARGE', `The body must be at most ${MAX_BODY_BYTES} bytes.`);
