// Which requests local mode serves: loopback Host, no foreign Origin, JSON POST bodies.
import { describe, expect, it } from 'vitest';
import { isLoopbackHostname, refusalOf } from '../../local/requestGuard.js';

const PORT = 3000;
const codeOf = (method: string, headers: Record<string, string>) =>
  refusalOf(method, headers, PORT)?.code;

describe('isLoopbackHostname', () => {
  it.each(['localhost', 'LOCALHOST', '127.0.0.1', '127.1.2.3', '[::1]', '::1'])(
    'takes %s',
    (name) => {
      expect(isLoopbackHostname(name)).toBe(true);
    },
  );

  it.each([
    '0.0.0.0',
    '10.0.0.1',
    'attacker.example',
    'localhost.attacker.example',
    '[::]',
    '128.0.0.1',
    '',
  ])('refuses %s', (name) => {
    expect(isLoopbackHostname(name)).toBe(false);
  });
});

describe('refusalOf', () => {
  it.each([
    [{ host: '127.0.0.1:3000' }],
    [{ host: 'localhost:3000', origin: 'http://localhost:3000' }],
    [{ host: '[::1]:3000', origin: 'http://[::1]:3000' }],
  ])('serves a GET with %o', (headers) => {
    expect(codeOf('GET', headers)).toBeUndefined();
  });

  it.each([
    [{}],
    [{ host: 'attacker.example:3000' }],
    [{ host: 'evil.example@127.0.0.1' }],
    [{ host: '127.0.0.1/x' }],
    [{ host: '0.0.0.0:3000' }],
  ])('refuses Host %o with FORBIDDEN_HOST', (headers) => {
    expect(codeOf('GET', headers)).toBe('FORBIDDEN_HOST');
  });

  it.each([
    'https://evil.example',
    'null',
    'http://localhost:5173',
    'https://localhost:3000',
    'http://127.0.0.1:3000/path',
  ])('refuses Origin %s with FORBIDDEN_ORIGIN', (origin) => {
    expect(codeOf('GET', { host: '127.0.0.1:3000', origin })).toBe('FORBIDDEN_ORIGIN');
  });

  it.each([
    undefined,
    'text/plain',
    'multipart/form-data; boundary=x',
    'application/jsonx',
    'json',
  ])('refuses a POST with Content-Type %s', (contentType) => {
    const headers = {
      host: '127.0.0.1:3000',
      ...(contentType ? { 'content-type': contentType } : {}),
    };
    expect(codeOf('POST', headers)).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('takes application/json with parameters, in any case', () => {
    const headers = { host: '127.0.0.1:3000', 'content-type': 'Application/JSON; charset=UTF-8' };
    expect(codeOf('POST', headers)).toBeUndefined();
  });

  it('checks Host before Origin before the media type', () => {
    expect(codeOf('POST', { host: 'x.example', origin: 'https://evil.example' })).toBe(
      'FORBIDDEN_HOST',
    );
    expect(codeOf('POST', { host: 'localhost', origin: 'https://evil.example' })).toBe(
      'FORBIDDEN_ORIGIN',
    );
  });
});
