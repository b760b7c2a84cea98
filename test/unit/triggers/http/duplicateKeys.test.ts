import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasDuplicateKeys } from '../../../../lambda/triggers/http/body.js';

describe('hasDuplicateKeys', () => {
  it.each([
    '{"a":1,"a":2}',
    '{"a":1,"\\u0061":2}',
    '{"x":{"b":[1,{"c":1,"c":2}]}}',
    '{ "a" : 1 ,\n "a" : 1 }',
  ])('finds the duplicate in %s', (json) => {
    expect(hasDuplicateKeys(json)).toBe(true);
  });

  it.each(['{"a":1,"b":{"a":2}}', '{"a":"\\"a\\":","b":["a","a"]}', '[{"a":1},{"a":2}]', '"a"'])(
    'finds none in %s',
    (json) => {
      expect(hasDuplicateKeys(json)).toBe(false);
    },
  );

  it('agrees with JSON.stringify, which never repeats a key', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(hasDuplicateKeys(JSON.stringify(value) ?? 'null')).toBe(false);
      }),
    );
  });
});

describe('hasDuplicateKeys on text that is not JSON', () => {
  it.each(['{"a', '{"a\\', '{"\\x":1,"\\x":2', '{"a":1}}]]', '"', '\\'])(
    'ends without throwing on %s',
    (text) => {
      expect(typeof hasDuplicateKeys(text)).toBe('boolean');
    },
  );

  it('ends without throwing on any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (text) => {
        expect(typeof hasDuplicateKeys(text)).toBe('boolean');
      }),
    );
  });
});
