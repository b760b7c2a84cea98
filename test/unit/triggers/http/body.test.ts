import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES, parseRevocationBody } from '../../../../lambda/triggers/http/body.js';
import { HttpError } from '../../../../lambda/triggers/http/responses.js';

const event = (body: string | undefined, isBase64Encoded = false) =>
  ({ body, isBase64Encoded }) as unknown as APIGatewayProxyEventV2;

const refusal = (body: string | undefined, isBase64Encoded = false) => {
  try {
    parseRevocationBody(event(body, isBase64Encoded));
  } catch (error) {
    if (error instanceof HttpError)
      return { status: error.statusCode, code: error.code, message: error.description };
    throw error;
  }
  throw new Error('accepted');
};

describe('parseRevocationBody', () => {
  it('accepts an account id and an optional reason', () => {
    expect(parseRevocationBody(event('{"accountId":"svc-1"}'))).toEqual({ accountId: 'svc-1' });
    expect(parseRevocationBody(event('{"accountId":"a.b@c-d_e","reason":"left"}'))).toEqual({
      accountId: 'a.b@c-d_e',
      reason: 'left',
    });
  });

  it('decodes a base64 body', () => {
    const body = Buffer.from('{"accountId":"svc-1"}').toString('base64');
    expect(parseRevocationBody(event(body, true))).toEqual({ accountId: 'svc-1' });
  });

  it.each([
    ['no body', undefined, 'INVALID_JSON'],
    ['not JSON', 'accountId=x', 'INVALID_JSON'],
    ['a JSON array', '[{"accountId":"x"}]', 'INVALID_JSON'],
    ['a JSON string', '"x"', 'INVALID_JSON'],
    ['null', 'null', 'INVALID_JSON'],
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
  ])('answers 400 for %s', (_name, body, code) => {
    expect(refusal(body)).toMatchObject({ status: 400, code });
  });

  it('names the faulty field', () => {
    expect(refusal('{}').message).toMatch(/accountId/);
    expect(refusal('{"accountId":"a","reason":1}').message).toMatch(/reason/);
    expect(refusal('{"accountId":"a","extra":1}').message).toMatch(/extra/);
  });

  it('accepts 128-character ids and 256-character reasons', () => {
    const body = JSON.stringify({ accountId: 'a'.repeat(128), reason: 'r'.repeat(256) });
    expect(parseRevocationBody(event(body)).accountId).toHaveLength(128);
  });

  it('answers 413 for a body over 16 KiB, even when it is otherwise valid', () => {
    const body = JSON.stringify({ accountId: 'a', reason: 'x', pad: ' '.repeat(MAX_BODY_BYTES) });
    expect(refusal(body)).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    expect(refusal(Buffer.from(body).toString('base64'), true)).toMatchObject({ status: 413 });
  });

  it('accepts a body of exactly 16 KiB', () => {
    const prefix = '{"accountId":"a"';
    const body = `${prefix}${' '.repeat(MAX_BODY_BYTES - prefix.length - 1)}}`;
    expect(Buffer.byteLength(body)).toBe(MAX_BODY_BYTES);
    expect(parseRevocationBody(event(body))).toEqual({ accountId: 'a' });
  });
});
