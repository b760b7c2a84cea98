import { describe, expect, it } from 'vitest';
import { parseErrorCode } from '../../../lambda/meeting/errorBody.js';

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
