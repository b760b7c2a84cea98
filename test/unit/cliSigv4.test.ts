// SigV4 signing of the CLI: AWS's published test-suite vectors, an independent verifier written
// from the specification, and a signed request checked end to end by a server on 127.0.0.1.
import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { signRequest } from '../../cli/sigv4.js';

// The credentials, date and scope of AWS's SigV4 test suite.
const SUITE = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const SUITE_DATE = new Date('2015-08-30T12:36:00Z');
const SUITE_CREDENTIAL = 'AKIDEXAMPLE/20150830/us-east-1/service/aws4_request';

const sha256 = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex');
const hmac = (key: string | Buffer, data: string) =>
  createHmac('sha256', key).update(data).digest();
const rfc3986 = (value: string) =>
  encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );

/**
 * Recomputes the signature of a received request as API Gateway does, from the specification
 * alone (no SDK code): true when the Authorization header is right for this secret key.
 */
const verify = (
  request: { method: string; target: string; headers: IncomingHttpHeaders; body: string },
  secretAccessKey: string,
): boolean => {
  const match =
    /^AWS4-HMAC-SHA256 Credential=[^/]+\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(
      String(request.headers['authorization']),
    );
  if (!match) return false;
  const [, day = '', region = '', service = '', signedHeaders = '', signature = ''] = match;
  const [path = '/', query = ''] = request.target.split('?', 2);
  // Every service but S3 signs the path with each segment encoded once more.
  const canonicalUri = path
    .split('/')
    .map((segment) => rfc3986(segment))
    .join('/');
  const canonicalQuery = [...new URLSearchParams(query)]
    .map(([key, value]) => [rfc3986(key), rfc3986(value)] as const)
    .sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : 1) : a < b ? -1 : 1))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
  const canonicalHeaders = signedHeaders
    .split(';')
    .map(
      (name) =>
        `${name}:${String(request.headers[name] ?? '')
          .trim()
          .replace(/\s+/g, ' ')}\n`,
    )
    .join('');
  const canonicalRequest = [
    request.method,
    canonicalUri,
    canonicalQuery,
    canonicalHeaders,
    signedHeaders,
    sha256(request.body),
  ].join('\n');
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    String(request.headers['x-amz-date']),
    `${day}/${region}/${service}/aws4_request`,
    sha256(canonicalRequest),
  ].join('\n');
  const key = hmac(
    hmac(hmac(hmac(`AWS4${secretAccessKey}`, day), region), service),
    'aws4_request',
  );
  return hmac(key, stringToSign).toString('hex') === signature;
};

describe('signRequest', () => {
  it('reproduces the test suite\'s "get-vanilla" Authorization header', async () => {
    const headers = await signRequest(
      { method: 'GET', url: new URL('https://example.amazonaws.com/'), headers: {} },
      { credentials: SUITE, region: 'us-east-1', service: 'service', signingDate: SUITE_DATE },
    );
    expect(headers['x-amz-date']).toBe('20150830T123600Z');
    expect(headers['authorization']).toBe(
      `AWS4-HMAC-SHA256 Credential=${SUITE_CREDENTIAL}, SignedHeaders=host;x-amz-date, ` +
        'Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    );
  });

  it('reproduces "get-vanilla-query-order-key-case": the query is sorted before signing', async () => {
    const headers = await signRequest(
      {
        method: 'GET',
        url: new URL('https://example.amazonaws.com/?Param2=value2&Param1=value1'),
        headers: {},
      },
      { credentials: SUITE, region: 'us-east-1', service: 'service', signingDate: SUITE_DATE },
    );
    expect(headers['authorization']).toMatch(
      /Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500$/,
    );
  });

  it('signs what the CLI sends so that an independent verifier agrees', async () => {
    const url = new URL(
      'https://abc123.execute-api.eu-west-1.amazonaws.com/prod/revocations/ops%40corp?limit=5',
    );
    const body = '{"accountId":"ops@corp","reason":"left the company"}';
    const headers = await signRequest(
      {
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json', 'x-request-id': 'a-b-c' },
        body,
      },
      { credentials: { ...SUITE, sessionToken: 'session-token' }, region: 'eu-west-1' },
    );
    expect(headers['authorization']).toContain('/eu-west-1/execute-api/aws4_request');
    expect(headers['authorization']).toMatch(/SignedHeaders=[^,]*x-request-id/);
    expect(headers['x-amz-security-token']).toBe('session-token');
    const request = { method: 'POST', target: `${url.pathname}${url.search}`, headers, body };
    expect(verify(request, SUITE.secretAccessKey)).toBe(true);
    expect(verify({ ...request, body: `${body} ` }, SUITE.secretAccessKey)).toBe(false);
    expect(verify(request, 'another-secret')).toBe(false);
  });
});

describe('meeting-revoke --sign', () => {
  let server: Server;
  let base: string;
  const seen: { valid: boolean; headers: IncomingHttpHeaders }[] = [];

  beforeAll(async () => {
    // Plays a deployed API that checks signatures made with the suite's secret key.
    server = createServer(async (req, res) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      const valid = verify(
        { method: req.method ?? '', target: req.url ?? '/', headers: req.headers, body },
        SUITE.secretAccessKey,
      );
      seen.push({ valid, headers: req.headers });
      res.writeHead(valid ? 200 : 403, { 'content-type': 'application/json' });
      res.end(
        valid
          ? JSON.stringify({
              accountId: 'ops@corp',
              outcome: 'REVOKED',
              requestId: 'r',
              attempts: 1,
            })
          : JSON.stringify({ message: 'The request signature we calculated does not match.' }),
      );
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/prod`;
  });

  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  const cli = (argv: string[], credentials = async () => SUITE) => {
    let stderr = '';
    const io = {
      stdout: () => undefined,
      stderr: (text: string) => {
        stderr += text;
      },
      env: {},
      credentials,
    };
    return main(argv, io).then((code) => ({ code, stderr }));
  };

  it('sends a request the server verifies, with the credentials it was given', async () => {
    const result = await cli([
      'ops@corp',
      '--reason',
      'left',
      '--api',
      base,
      '--sign',
      '--region',
      'eu-west-1',
    ]);
    expect(result).toEqual({ code: 0, stderr: '' });
    expect(seen.at(-1)).toMatchObject({ valid: true });
    expect(seen.at(-1)?.headers['authorization']).toContain('/eu-west-1/execute-api/');
  });

  it('takes credentials from the default AWS chain (here: the environment)', async () => {
    const saved = { ...process.env };
    // Only the environment provider may answer: no profile, no real credentials.
    delete process.env['AWS_PROFILE'];
    delete process.env['AWS_SESSION_TOKEN'];
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: SUITE.accessKeyId,
      AWS_SECRET_ACCESS_KEY: SUITE.secretAccessKey,
    });
    try {
      let stderr = '';
      const code = await main(['ops@corp', '--api', base, '--sign', '--region', 'eu-west-1'], {
        stdout: () => undefined,
        stderr: (text) => {
          stderr += text;
        },
        env: {},
      });
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      expect(seen.at(-1)?.headers['authorization']).toContain('Credential=AKIDEXAMPLE/');
    } finally {
      process.env = saved;
    }
  });

  it('signs history requests (path and query) too', async () => {
    await cli([
      'history',
      'ops@corp',
      '--limit',
      '3',
      '--api',
      base,
      '--sign',
      '--region',
      'eu-west-1',
    ]);
    expect(seen.at(-1)).toMatchObject({ valid: true });
  });

  it('exits 6 with the gateway message when the signature is refused', async () => {
    const result = await cli(
      ['ops@corp', '--api', base, '--sign', '--region', 'eu-west-1'],
      async () => ({
        ...SUITE,
        secretAccessKey: 'wrong',
      }),
    );
    expect(result.code).toBe(6);
    expect(result.stderr).toMatch(/HTTP 403: The request signature we calculated does not match/);
    expect(result.stderr).not.toContain('wrong');
  });

  it('exits 7 without printing secrets when no credentials can be loaded', async () => {
    const result = await cli(['ops@corp', '--api', base, '--sign', '--region', 'eu-west-1'], () =>
      Promise.reject(new Error('Could not load credentials from any providers')),
    );
    expect(result.code).toBe(7);
    expect(result.stderr).toMatch(/could not load AWS credentials/);
  });
});
