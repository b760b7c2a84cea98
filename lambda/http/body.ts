// Reads and validates the body of POST /revocations: size first, then JSON, then fields.
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from 'zod/mini';
import { AccountIdSchema } from '../accountId.js';
import { HttpError } from './responses.js';

export const MAX_BODY_BYTES = 16 * 1024;

export const RevocationBodySchema = z.strictObject(
  {
    accountId: AccountIdSchema,
    reason: z.optional(
      z
        .string({ error: 'reason must be a string' })
        .check(z.maxLength(256, { error: 'reason must be at most 256 characters' })),
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

  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new HttpError(400, 'INVALID_JSON', 'The body must be a JSON object.');
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
