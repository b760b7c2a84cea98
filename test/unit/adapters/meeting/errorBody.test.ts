import { describe, expect, it } from 'vitest';
import { carriesToken, parseErrorCode } from '../../../../lambda/adapters/meeting/errorBody.js';

describe('parseErrorCode', () => {
  it('reads the error code of a Huawei error body', () => {
    const body = '{"error_code":"USG.000000004","error_msg":"token invalid","request_id":"x"}';
    expect(parseErrorCode(body)).toBe('USG.000000004');
    expect(parseErrorCode('{"error_code":"APIG.0308"}')).toBe('APIG.0308');
  });

  it.each([
    ['empty', ''],
    ['HTML', '<html><body>502 Bad Gateway</body></html>'],
    ['truncated JSON', '{"error_code":"USG.0000'],
    ['a JSON array', '["USG.000000004"]'],
    ['a JSON string', '"USG.000000004"'],
    ['null', 'null'],
    ['a numeric code', '{"error_code":4}'],
    ['a code of the wrong shape', '{"error_code":"token abc123 is bad"}'],
    ['a lower-case code', '{"error_code":"usg.000000004"}'],
  ])('returns nothing for %s', (_name, body) => {
    expect(parseErrorCode(body)).toBeUndefined();
  });
});

describe('carriesToken', () => {
  const token = 'cnr1k3j9x0q7w2m5v8b4n6z1p0s9d8f7g6h5j4k3';

  it.each([
    ['the whole token', `USG.${token}`],
    ['the first 19 characters of the token', `USG.${token.slice(0, 19)}`],
    ['8 characters from the middle of the token', `USG.000${token.slice(20, 28)}000`],
    ['8 characters at the end of the code', `USG.0${token.slice(-8)}`],
  ])('is true for a code carrying %s', (_name, code) => {
    expect(carriesToken(code, token)).toBe(true);
  });

  it.each([
    ['a code of its own', 'USG.000000004'],
    ['7 characters of the token', `USG.${token.slice(0, 7)}0`],
    ['two 7-character parts of the token', `USG.${token.slice(0, 7)}${token.slice(10, 17)}`],
    ['a code shorter than 8 characters', 'USG.1'],
  ])('is false for %s', (_name, code) => {
    expect(carriesToken(code, token)).toBe(false);
  });

  it('is true for a token shorter than 8 characters that appears whole', () => {
    expect(carriesToken('USG.ab12cd', 'ab12')).toBe(true);
  });
});
