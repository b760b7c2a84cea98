import { describe, expect, it } from 'vitest';
import { extractToken } from '../../../lambda/secrets/extractToken.js';

describe('extractToken', () => {
  it('reads the configured field of a JSON secret', () => {
    expect(extractToken('{"accessToken":"cnr1abc","other":1}', 'accessToken')).toBe('cnr1abc');
    expect(extractToken('{"token":"t-123456"}', 'token')).toBe('t-123456');
  });

  it('uses a non-JSON secret string as the token, exactly', () => {
    expect(extractToken('cnr1RawToken', 'accessToken')).toBe('cnr1RawToken');
    expect(extractToken('{not json', 'accessToken')).toBe('{not json');
  });

  it.each([
    ['undefined', undefined],
    ['empty', ''],
    ['blank', '   '],
    ['a JSON object without the field', '{"refreshToken":"x"}'],
    ['a JSON object with an empty field', '{"accessToken":""}'],
    ['a JSON object with a non-string field', '{"accessToken":42}'],
    ['a token a header cannot carry', 'line1\nline2'],
  ])('finds no token in %s', (_name, secret) => {
    expect(extractToken(secret, 'accessToken')).toBeUndefined();
  });
});
