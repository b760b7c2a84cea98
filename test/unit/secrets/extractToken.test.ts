import { describe, expect, it } from 'vitest';
import { extractToken, isSendable } from '../../../lambda/secrets/extractToken.js';

describe('extractToken', () => {
  it('reads the configured field of a JSON secret', () => {
    expect(extractToken('{"accessToken":"cnr1abc","other":1}', 'accessToken')).toBe('cnr1abc');
    expect(extractToken('{"token":"t-123456"}', 'token')).toBe('t-123456');
  });

  it('uses a non-JSON secret string as the token', () => {
    expect(extractToken('cnr1RawToken', 'accessToken')).toBe('cnr1RawToken');
    expect(extractToken('{not json', 'accessToken')).toBe('{not json');
  });

  it('drops the white space around a token, such as the newline of a file', () => {
    expect(extractToken('cnr1RawToken\n', 'accessToken')).toBe('cnr1RawToken');
    expect(extractToken(' cnr1RawToken\r\n', 'accessToken')).toBe('cnr1RawToken');
    expect(extractToken('{"accessToken":"cnr1Json\\n"}', 'accessToken')).toBe('cnr1Json');
  });

  it('leaves white space inside a token alone, for isSendable to judge', () => {
    expect(extractToken('line1\nline2', 'accessToken')).toBe('line1\nline2');
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
    ['a JSON object with a non-string field', '{"accessToken":42}'],
  ])('finds no token in %s', (_name, secret) => {
    expect(extractToken(secret, 'accessToken')).toBeUndefined();
  });
});
