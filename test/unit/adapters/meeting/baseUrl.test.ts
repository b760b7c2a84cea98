import { describe, expect, it } from 'vitest';
import { isLoopbackHost, parseBaseUrl } from '../../../../lambda/adapters/meeting/baseUrl.js';

describe('parseBaseUrl', () => {
  it.each([
    ['https://api.meeting.huaweicloud.com', 'https://api.meeting.huaweicloud.com'],
    ['https://api-intl.meeting.huaweicloud.com/', 'https://api-intl.meeting.huaweicloud.com'],
    ['https://proxy.example.com/meeting/', 'https://proxy.example.com/meeting'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
    ['http://127.1.2.3:1', 'http://127.1.2.3:1'],
    ['http://localhost:3000', 'http://localhost:3000'],
    ['http://[::1]:3000', 'http://[::1]:3000'],
  ])('accepts %s', (raw, url) => {
    expect(parseBaseUrl(raw)).toEqual({ url });
  });

  it.each([
    ['http://api.meeting.huaweicloud.com', /http:\/\/ is refused/],
    ['http://10.0.0.1', /http:\/\/ is refused/],
    ['http://128.0.0.1', /http:\/\/ is refused/],
    ['http://localhost.example.com', /http:\/\/ is refused/],
    ['ftp://127.0.0.1', /protocol/],
    ['not a url', /not a valid URL/],
    ['https://user:pass@api.meeting.huaweicloud.com', /credentials/],
    ['https://api.meeting.huaweicloud.com/?x=1', /query/],
  ])('refuses %s', (raw, reason) => {
    const result = parseBaseUrl(raw);
    expect('error' in result && result.error).toMatch(reason);
  });
});

describe('isLoopbackHost', () => {
  it('knows the loopback range', () => {
    expect(isLoopbackHost('127.0.0.1')).toBe(true);
    expect(isLoopbackHost('127.255.255.254')).toBe(true);
    expect(isLoopbackHost('[::1]')).toBe(true);
    expect(isLoopbackHost('LOCALHOST')).toBe(true);
    expect(isLoopbackHost('127.0.0.256')).toBe(false);
    expect(isLoopbackHost('127.0.0')).toBe(false);
    expect(isLoopbackHost('::ffff:10.0.0.1')).toBe(false);
  });
});
