// meeting-revoke: revokes a token or lists an account's outcome records through the HTTP API,
// signed with SigV4 for a deployed API, plain for local mode. Returns the documented exit code.
import { randomUUID } from 'node:crypto';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { VERSION } from '../lambda/commons/version.js';
import { endpoint, isLoopbackHost, parseApiUrl, signingRegion, UsageError } from './apiUrl.js';
import {
  type Command,
  DEFAULT_SECRET_PREFIX,
  parseCommand,
  SECRET_PREFIX_PATTERN,
  USAGE,
} from './args.js';
import {
  formatError,
  formatHistory,
  formatOutcome,
  OUTCOME_EXIT,
  printableJson,
} from './format.js';
import { rotate } from './rotate.js';
import { type CredentialsProvider, signRequest } from './sigv4.js';

export const EXIT = {
  OK: 0,
  UNEXPECTED: 1,
  USAGE: 2,
  API_ERROR: 6,
  NO_ANSWER: 7,
} as const;

// API Gateway gives up on an integration after 30 s; a little more lets its answer arrive.
const TIMEOUT_MS = 35_000;

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Readonly<Record<string, string | undefined>>;
  /** The AWS credentials; the default chain unless a test gives its own. */
  credentials?: CredentialsProvider;
}

const defaultIo = (): Io => ({
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
});

/** Thrown when no answer came: the message is safe to print (no credentials, no token). */
class NoAnswer extends Error {}

interface Answer {
  status: number;
  text: string;
  body: unknown;
  requestId: string;
}

const send = async (
  url: URL,
  init: { method: string; body?: string; headers: Record<string, string> },
  sign: { region: string; credentials: CredentialsProvider } | undefined,
): Promise<Answer> => {
  let headers = init.headers;
  if (sign) {
    try {
      const credentials = await sign.credentials();
      headers = await signRequest(
        {
          method: init.method,
          url,
          headers,
          ...(init.body !== undefined ? { body: init.body } : {}),
        },
        { credentials, region: sign.region },
      );
    } catch (error) {
      // The chain's message names the providers it tried, never a secret.
      throw new NoAnswer(
        `could not load AWS credentials: ${error instanceof Error ? error.message : error}`,
      );
    }
    // fetch sets Host from the URL itself, to the same value the signature covers.
    delete headers['host'];
  }
  let response: Response;
  try {
    response = await fetch(url, {
      method: init.method,
      headers,
      ...(init.body !== undefined ? { body: init.body } : {}),
      redirect: 'error', // a redirect would resend a signed request elsewhere
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason =
      error instanceof Error && error.name === 'TimeoutError'
        ? `no answer within ${TIMEOUT_MS / 1000} s`
        : (cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : 'failed'));
    throw new NoAnswer(`${init.method} ${url.origin}${url.pathname}: ${reason}`);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return {
    status: response.status,
    text,
    body,
    requestId: response.headers.get('x-request-id') ?? init.headers['x-request-id'] ?? '',
  };
};

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const run = async (
  command: Exclude<Command, { kind: 'help' | 'version' | 'rotate' }>,
  io: Io,
): Promise<number> => {
  const apiSetting = command.common.api ?? io.env['MEETING_REVOKER_API_URL'];
  if (!apiSetting) {
    throw new UsageError('no API URL: pass --api URL or set MEETING_REVOKER_API_URL');
  }
  const base = parseApiUrl(apiSetting);
  const shouldSign = command.common.sign || !isLoopbackHost(base.hostname);
  const sign = shouldSign
    ? {
        region: signingRegion(base, command.common.region, io.env),
        credentials: io.credentials ?? fromNodeProviderChain(),
      }
    : undefined;

  const headers: Record<string, string> = {
    accept: 'application/json',
    'user-agent': `meeting-revoke/${VERSION}`,
    'x-request-id': randomUUID(),
  };

  if (command.kind === 'history') {
    const url = endpoint(
      base,
      `/revocations/${encodeURIComponent(command.accountId)}`,
      command.limit !== undefined ? { limit: String(command.limit) } : undefined,
    );
    const answer = await send(url, { method: 'GET', headers }, sign);
    const ok =
      answer.status === 200 && isObject(answer.body) && Array.isArray(answer.body['items']);
    if (command.common.json) io.stdout(withNewline(answer.text));
    if (!ok) {
      io.stderr(`meeting-revoke: ${formatError(answer.status, answer.body, answer.requestId)}\n`);
      return EXIT.API_ERROR;
    }
    if (!command.common.json) {
      const items = (answer.body as { items: unknown[] }).items.filter(isObject);
      io.stdout(`${formatHistory(command.accountId, items)}\n`);
    }
    return EXIT.OK;
  }

  headers['content-type'] = 'application/json';
  if (command.idempotencyKey !== undefined) headers['idempotency-key'] = command.idempotencyKey;
  const body = JSON.stringify({
    accountId: command.accountId,
    ...(command.reason !== undefined ? { reason: command.reason } : {}),
  });
  const answer = await send(
    endpoint(base, '/revocations'),
    { method: 'POST', body, headers },
    sign,
  );
  if (command.common.json) io.stdout(withNewline(answer.text));
  const outcome = isObject(answer.body) ? answer.body['outcome'] : undefined;
  const exit = typeof outcome === 'string' ? OUTCOME_EXIT[outcome] : undefined;
  if (exit === undefined) {
    io.stderr(`meeting-revoke: ${formatError(answer.status, answer.body, answer.requestId)}\n`);
    return EXIT.API_ERROR;
  }
  if (!command.common.json) {
    const text = formatOutcome(answer.body as Record<string, unknown>);
    // Success on stdout; a revocation that did not happen is worth stderr, for scripts and eyes.
    if (exit === 0) io.stdout(`${text}\n`);
    else io.stderr(`${text}\n`);
  }
  return exit;
};

/** The API's JSON as sent, but with invisible characters escaped, so it cannot drive a terminal. */
const withNewline = (text: string) => {
  const printable = printableJson(text.replace(/\n$/, ''));
  return `${printable}\n`;
};

/** Runs the command line; never throws, never exits: the caller does with the code returned. */
export const main = async (argv: readonly string[], io: Io = defaultIo()): Promise<number> => {
  try {
    const command = parseCommand(argv);
    if (command.kind === 'help') {
      io.stdout(USAGE);
      return EXIT.OK;
    }
    if (command.kind === 'version') {
      io.stdout(`meeting-revoke ${VERSION}\n`);
      return EXIT.OK;
    }
    if (command.kind === 'rotate') {
      const prefix = command.secretPrefix ?? io.env['SECRET_PREFIX'] ?? DEFAULT_SECRET_PREFIX;
      if (!SECRET_PREFIX_PATTERN.test(prefix)) {
        throw new UsageError('SECRET_PREFIX may hold only letters, digits and /_+=.@-');
      }
      return await rotate(
        {
          accountId: command.accountId,
          secretId: `${prefix}${command.accountId}`,
          json: command.common.json,
          ...(command.common.region !== undefined ? { region: command.common.region } : {}),
        },
        io,
      );
    }
    return await run(command, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`meeting-revoke: ${error.message}\nTry meeting-revoke --help.\n`);
      return EXIT.USAGE;
    }
    if (error instanceof NoAnswer) {
      io.stderr(`meeting-revoke: ${error.message}\n`);
      return EXIT.NO_ANSWER;
    }
    io.stderr(
      `meeting-revoke: unexpected error: ${error instanceof Error ? error.message : error}\n`,
    );
    return EXIT.UNEXPECTED;
  }
};
