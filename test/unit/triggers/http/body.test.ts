import middy from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import {
  jsonBody,
  MAX_BODY_BYTES,
  revocationBodyOf,
} from '../../../../lambda/triggers/http/body.js';
import { HttpError } from '../../../../lambda/triggers/http/responses.js';

// The body as POST /revocations reads it: Middy's JSON parser between the API's own checks.
const read = middy<APIGatewayProxyEventV2>()
  .use(jsonBody())
  .handler(async (event) => revocationBodyOf(event.body));

const parse = (body: string | undefined, isBase64Encoded = false, contentType?: string) =>
  read(
    {
      body,
      isBase64Encoded,
      headers: contentType === undefined ? {} : { 'content-type': contentType },
    } as unknown as APIGatewayProxyEventV2,
    {} as Context,
  );

const refusal = async (body: string | undefined, isBase64Encoded = false) => {
  try {
    await parse(body, isBase64Encoded);
  } catch (error) {
    if (error instanceof HttpError)
      return { status: error.statusCode, code: error.code, message: error.description };
    throw error;
  }
  throw new Error('accepted');
};

describe('the body of POST /revocations', () => {
  it('accepts an account id and an optional reason', async () => {
    expect(await parse('{"accountId":"svc-1"}')).toEqual({ accountId: 'svc-1' });
    expect(await parse('{"accountId":"a.b@c-d_e","reason":"left"}')).toEqual({
      accountId: 'a.b@c-d_e',
      reason: 'left',
    });
  });

  it('decodes a base64 body', async () => {
    const body = Buffer.from('{"accountId":"svc-1"}').toString('base64');
    expect(await parse(body, true)).toEqual({ accountId: 'svc-1' });
  });

  it.each([undefined, 'application/json', 'text/plain', 'application/x-www-form-urlencoded'])(
    'reads the body as JSON whatever its Content-Type (%s)',
    async (contentType) => {
      expect(await parse('{"accountId":"svc-1"}', false, contentType)).toEqual({
        accountId: 'svc-1',
      });
    },
  );

  it.each([
    ['no body', undefined, 'INVALID_JSON'],
    ['an empty body', '', 'INVALID_JSON'],
    ['not JSON', 'accountId=x', 'INVALID_JSON'],
    ['truncated JSON', '{"accountId":"x', 'INVALID_JSON'],
    ['a JSON array', '[{"accountId":"x"}]', 'INVALID_JSON'],
    ['a JSON string', '"x"', 'INVALID_JSON'],
    ['null', 'null', 'INVALID_JSON'],
    ['a field named twice', '{"accountId":"a","accountId":"b"}', 'INVALID_JSON'],
    [
      'a field named twice, once escaped',
      '{"accountId":"a","\\u0061ccountId":"b"}',
      'INVALID_JSON',
    ],
    ['__proto__ inside an array', '[{"__proto__":{}}]', 'INVALID_JSON'],
    ['no accountId', '{}', 'VALIDATION_ERROR'],
    ['a numeric accountId', '{"accountId":42}', 'VALIDATION_ERROR'],
    ['an empty accountId', '{"accountId":""}', 'VALIDATION_ERROR'],
    ['an accountId starting with a dot', '{"accountId":".x"}', 'VALIDATION_ERROR'],
    ['an accountId with a slash', '{"accountId":"a/b"}', 'VALIDATION_ERROR'],
    [
      'an accountId of 129 characters',
      JSON.stringify({ accountId: 'a'.repeat(129) }),
      'VALIDATION_ERROR',
    ],
    [
      'a reason of 257 characters',
      JSON.stringify({ accountId: 'a', reason: 'r'.repeat(257) }),
      'VALIDATION_ERROR',
    ],
    ['a numeric reason', '{"accountId":"a","reason":1}', 'VALIDATION_ERROR'],
    ['an unknown field', '{"accountId":"a","acount":"b"}', 'VALIDATION_ERROR'],
    ['a __proto__ field', '{"accountId":"a","__proto__":{"x":1}}', 'VALIDATION_ERROR'],
    ['a __proto__ inside a field', '{"accountId":{"__proto__":1}}', 'VALIDATION_ERROR'],
    [
      'a constructor with a prototype',
      '{"accountId":"a","constructor":{"prototype":1}}',
      'VALIDATION_ERROR',
    ],
  ])('answers 400 for %s', async (_name, body, code) => {
    expect(await refusal(body)).toMatchObject({ status: 400, code });
  });

  it('says what is wrong, never repeating the body', async () => {
    expect((await refusal('{"accountId":"a","accountId":"b"}')).message).toMatch(/twice/);
    const secret = 'not-json-but-private';
    expect((await refusal(secret)).message).not.toContain(secret);
  });

  it('names the faulty field', async () => {
    expect((await refusal('{}')).message).toMatch(/accountId/);
    expect((await refusal('{"accountId":"a","reason":1}')).message).toMatch(/reason/);
    expect((await refusal('{"accountId":"a","extra":1}')).message).toMatch(/extra/);
    expect((await refusal('{"accountId":"a","__proto__":{}}')).message).toMatch(/__proto__/);
  });

  it('accepts 128-character ids and 256-character reasons', async () => {
    const body = JSON.stringify({ accountId: 'a'.repeat(128), reason: 'r'.repeat(256) });
    expect((await parse(body)).accountId).toHaveLength(128);
  });

  it('counts a reason in characters, an emoji being one', async () => {
    const body = (reason: string) => JSON.stringify({ accountId: 'a', reason });
    expect((await parse(body('😀'.repeat(256)))).reason).toHaveLength(512);
    expect(await refusal(body('😀'.repeat(257)))).toMatchObject({
      message: 'reason must be at most 256 characters',
    });
  });

  it('answers every problem at once, in the words of the API', async () => {
    expect((await refusal('{}')).message).toBe('accountId is required');
    expect((await refusal('{"accountId":"a","b":1,"c":2}')).message).toBe('unknown field(s): b, c');
    expect((await refusal(`{"accountId":7,"reason":"${'r'.repeat(257)}","x":0}`)).message).toBe(
      'accountId must be a string; reason must be at most 256 characters; unknown field(s): x',
    );
  });

  it('answers 413 for a body over 16 KiB, even when it is otherwise valid', async () => {
    const body = JSON.stringify({ accountId: 'a', reason: 'x', pad: ' '.repeat(MAX_BODY_BYTES) });
    expect(await refusal(body)).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    expect(await refusal(Buffer.from(body).toString('base64'), true)).toMatchObject({
      status: 413,
    });
  });

  it('answers 413 before reading JSON: a large body that is not JSON is too large, not invalid', async () => {
    expect(await refusal('x'.repeat(MAX_BODY_BYTES + 1))).toMatchObject({
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
    });
    // Counted in bytes, decoded: 8,193 two-byte characters are over the limit.
    expect(await refusal(`"${'é'.repeat(MAX_BODY_BYTES / 2)}"`)).toMatchObject({ status: 413 });
  });

  it('accepts a body of exactly 16 KiB', async () => {
    const prefix = '{"accountId":"a"';
    const body = `${prefix}${' '.repeat(MAX_BODY_BYTES - prefix.length - 1)}}`;
    expect(Buffer.byteLength(body)).toBe(MAX_BODY_BYTES);
    expect(await parse(body)).toEqual({ accountId: 'a' });
    expect(await parse(Buffer.from(body).toString('base64'), true)).toEqual({ accountId: 'a' });
  });
});
