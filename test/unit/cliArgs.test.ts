// The CLI's command line and API URL rules: what is refused before any request is made.
import { describe, expect, it } from 'vitest';
import {
  endpoint,
  isLoopbackHost,
  parseApiUrl,
  regionOfHost,
  signingRegion,
  UsageError,
} from '../../cli/apiUrl.js';
import { parseCommand, USAGE } from '../../cli/args.js';

describe('parseCommand', () => {
  it('reads a revocation with its options in any order', () => {
    expect(
      parseCommand(['--reason', 'left', 'ops-1', '--json', '--idempotency-key', 'k1']),
    ).toEqual({
      kind: 'revoke',
      accountId: 'ops-1',
      reason: 'left',
      idempotencyKey: 'k1',
      common: { json: true, sign: false },
    });
  });

  it('reads history with a limit, and the explicit revoke form', () => {
    expect(
      parseCommand(['history', 'ops-1', '--limit', '5', '--api', 'http://127.0.0.1:3000']),
    ).toEqual({
      kind: 'history',
      accountId: 'ops-1',
      limit: 5,
      common: { api: 'http://127.0.0.1:3000', json: false, sign: false },
    });
    expect(parseCommand(['revoke', 'history'])).toMatchObject({
      kind: 'revoke',
      accountId: 'history',
    });
  });

  it.each([
    ['50', 50],
    ['51', 50],
    ['99', 50],
    ['1', 1],
  ])('takes --limit %s as the API does: %i records at most', (given, limit) => {
    expect(parseCommand(['history', 'ops', '--limit', given])).toMatchObject({ limit });
  });

  it.each([['history'], ['revoke'], ['help']])(
    'revokes an account named %s with the explicit revoke word',
    (accountId) => {
      expect(parseCommand(['revoke', accountId])).toMatchObject({ kind: 'revoke', accountId });
    },
  );

  it('names every account that needs the revoke word in its help text', () => {
    expect(USAGE).toMatch(/needed for an account named history,\s+rotate, revoke or help/);
  });

  it.each([['--help'], ['-h'], ['help']])('recognises %s', (flag) => {
    expect(parseCommand([flag])).toEqual({ kind: 'help' });
  });

  it.each([
    [[]],
    [['history']],
    [['a', 'b']],
    [['bad id']],
    [['-leading']],
    [['ops', '--limit', '5']],
    [['history', 'ops', '--limit', '0']],
    [['history', 'ops', '--limit', '-1']],
    [['history', 'ops', '--limit', '5.5']],
    [['ops', '--idempotency-key', '']],
    [['ops', '--api']],
  ])('refuses %j', (argv) => {
    expect(() => parseCommand(argv)).toThrow(UsageError);
  });
});

describe('API URL', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.3.2.1', true],
    ['localhost', true],
    ['[::1]', true],
    ['128.0.0.1', false],
    ['127.0.0.1.example.com', false],
    ['example.com', false],
  ])('%s is loopback: %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });

  it('allows http on loopback only, and never credentials in the URL', () => {
    expect(parseApiUrl('http://127.0.0.1:3000').host).toBe('127.0.0.1:3000');
    expect(parseApiUrl('http://[::1]:3000/').hostname).toBe('[::1]');
    expect(() => parseApiUrl('http://api.example.com')).toThrow(/refusing plain http/);
    expect(() => parseApiUrl('ftp://127.0.0.1')).toThrow(UsageError);
    expect(() => parseApiUrl('https://user:pw@api.example.com')).toThrow(/credentials/);
    expect(() => parseApiUrl('https://api.example.com/?x=1')).toThrow(/query/);
  });

  it('keeps a stage prefix when joining paths', () => {
    const base = parseApiUrl('https://abc.execute-api.eu-west-1.amazonaws.com/prod/');
    expect(endpoint(base, '/revocations/a%40b', { limit: '2' }).href).toBe(
      'https://abc.execute-api.eu-west-1.amazonaws.com/prod/revocations/a%40b?limit=2',
    );
  });

  it('finds the region in execute-api hosts, else in --region or the environment', () => {
    expect(regionOfHost('abc123.execute-api.ap-southeast-2.amazonaws.com')).toBe('ap-southeast-2');
    expect(regionOfHost('abc-vpce-0123.execute-api.us-gov-west-1.amazonaws.com')).toBe(
      'us-gov-west-1',
    );
    expect(regionOfHost('abc.execute-api.cn-north-1.amazonaws.com.cn')).toBe('cn-north-1');
    expect(regionOfHost('revoker.example.com')).toBeUndefined();
    const custom = new URL('https://revoker.example.com');
    const regional = new URL('https://abc.execute-api.eu-west-1.amazonaws.com');
    expect(signingRegion(regional, undefined, { AWS_REGION: 'us-east-1' })).toBe('eu-west-1');
    expect(signingRegion(regional, 'eu-central-1', {})).toBe('eu-central-1');
    expect(signingRegion(custom, undefined, { AWS_DEFAULT_REGION: 'eu-north-1' })).toBe(
      'eu-north-1',
    );
    expect(() => signingRegion(custom, undefined, {})).toThrow(/--region/);
    expect(() => signingRegion(custom, 'Mars', {})).toThrow(/not an AWS region/);
  });
});
