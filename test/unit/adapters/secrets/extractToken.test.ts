import { describe, expect, it } from 'vitest';
import { readToken } from '../../../../lambda/adapters/secrets/extractToken.js';
import { isSendable } from '../../../../lambda/core/revoke.js';

describe('readToken', () => {
  it('reads the configured field of a JSON secret', () => {
    expect(readToken('{"accessToken":"cnr1abc","other":1}', 'accessToken')).toEqual({
      token: 'cnr1abc',
    });
    expect(readToken('{"token":"t-123456"}', 'token')).toEqual({ token: 't-123456' });
  });

  it('uses a non-JSON secret string as the token', () => {
    expect(readToken('cnr1RawToken', 'accessToken')).toEqual({ token: 'cnr1RawToken' });
  });

  it('drops the white space around a token, such as the newline of a file', () => {
    expect(readToken('cnr1RawToken\n', 'accessToken')).toEqual({ token: 'cnr1RawToken' });
    expect(readToken(' cnr1RawToken\r\n', 'accessToken')).toEqual({ token: 'cnr1RawToken' });
    expect(readToken('{"accessToken":"cnr1Json\\n"}', 'accessToken')).toEqual({
      token: 'cnr1Json',
    });
  });

  it('leaves white space inside a token alone, for isSendable to judge', () => {
    expect(readToken('line1\nline2', 'accessToken')).toEqual({ token: 'line1\nline2' });
    expect(isSendable('line1\nline2')).toBe(false);
    expect(isSendable('abc\u0001')).toBe(false);
    expect(isSendable('cnr1-Token_with.symbols~')).toBe(true);
  });

  it.each([
    ['undefined', undefined],
    ['empty', ''],
    ['blank', '   '],
    ['a JSON object without the field', '{"refreshToken":"x"}'],
    ['a JSON object with an empty field', '{"accessToken":""}'],
  ])('finds no token in %s', (_name, secret) => {
    expect(readToken(secret, 'accessToken')).toEqual({ none: true });
  });

  it.each([
    ['JSON that does not parse', '{not json'],
    ['a trailing comma', '{"accessToken":"cnr1abc","appSecret":"S",}'],
    ['a quoted string', '"cnr1abc"'],
    ['an array', ' ["cnr1abc"]'],
    ['a non-string field', '{"accessToken":42}'],
    ['a null field', '{"accessToken":null}'],
  ])('calls %s malformed, never a token', (_name, secret) => {
    expect(readToken(secret, 'accessToken')).toEqual({ malformed: true });
  });
});
