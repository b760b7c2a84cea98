// Huawei Cloud Meeting's "Logging Out" call (DELETE /v1/usg/acs/token) with timeouts, retries and
// a keep-alive connection pool. Written by hand: Huawei's SDKs can only log out their own
// session, never a token they are handed (see README, "Why a hand-written client").

import http from 'node:http';
import https from 'node:https';
import { finished } from 'node:stream';
import { RevokerError } from '../../commons/errors.js';
import { USER_AGENT } from '../../commons/version.js';
import type { AcceptLanguage } from '../../composition/config.js';
import type { AttemptVerdict, TokenUpstream, UpstreamGate } from '../../core/ports.js';
import { APP_AUTH_PATH, type AppCredentials, appAuthRequest } from './appAuth.js';
import { type AttemptResult, type Classification, classify } from './classify.js';
import { carriesToken, parseErrorCode, parseJsonObject } from './errorBody.js';
import { mintRetryable } from './mintPolicy.js';
import { canStartAttempt, nextDelayMs, parseRetryAfterMs } from './retryPolicy.js';

/** Error bodies are read up to this size; the rest is discarded, never buffered. */
export const MAX_ERROR_BODY_BYTES = 16 * 1024;
/** A mint's 200 answer is read up to this size (Huawei's is about 1 KiB); a longer one fails. */
export const MAX_MINT_BODY_BYTES = 64 * 1024;
export const LOGOUT_PATH = '/v1/usg/acs/token';
export const VALIDATE_PATH = '/v1/usg/acs/token/validate';

export interface MeetingClientOptions {
  baseUrl: string;
  acceptLanguage: AcceptLanguage;
  timeoutMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  /** Sockets per host: as many as revocations run at once. */
  maxSockets: number;
  random?: () => number;
}

export interface LogoutResult {
  outcome: Classification['outcome'];
  attempts: number;
  upstreamStatus?: number;
  upstreamErrorCode?: string;
  /** For FAILED: the last fault (`timeout`, `ECONNRESET`, `http-503`, `deadline`, ...). */
  failure?: string;
  /** Time spent in upstream attempts, waits excluded. */
  upstreamMs: number;
}

/** What a mint (App ID authentication) ended with. Neither variant holds the App Key. */
export type MintResult =
  | {
      kind: 'minted';
      /** The new token: hand it to the secret, never to a log, record or answer. */
      token: string;
      /** Its lifetime in seconds, from Huawei's `validPeriod`. */
      validPeriodSeconds: number;
      attempts: number;
      upstreamStatus: number;
      upstreamMs: number;
    }
  | {
      kind: 'failed';
      attempts: number;
      upstreamMs: number;
      /** `timeout`, a network code, `http-401`, `invalid-answer` (a 200 without a usable token), `deadline`. */
      failure: string;
      upstreamStatus?: number;
      upstreamErrorCode?: string;
    };

/** A token must be sendable as a header value: visible ASCII, no spaces. */
const SENDABLE_TOKEN = /^[\x21-\x7e]{1,4096}$/;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

class AttemptTimeoutError extends RevokerError {
  override name = 'AttemptTimeoutError';
}

/** How a keep-alive socket the server closed while we were not looking fails its next request. */
const STALE_SOCKET_CODES = new Set(['ECONNRESET', 'EPIPE']);

interface AttemptLimits {
  /** Epoch ms: the latest the request may get a socket from the pool. */
  socketBy: number;
  /** Whether a stale keep-alive socket is retried on a fresh one, as part of this attempt. */
  retryStale: boolean;
}

interface AttemptOptions {
  /** A connection of its own, never a pooled one (a mint: nothing stale, nothing to resend). */
  freshConnection?: boolean;
  /** Read a 2xx answer's body (up to MAX_MINT_BODY_BYTES) instead of settling on its status. */
  readSuccessBody?: boolean;
}

export class MeetingClient implements TokenUpstream {
  readonly agent: http.Agent;
  private readonly logoutUrl: URL;
  private readonly validateUrl: URL;
  private readonly appAuthUrl: URL;
  private readonly transport: typeof http | typeof https;
  private readonly secure: boolean;

  constructor(readonly options: MeetingClientOptions) {
    this.logoutUrl = new URL(`${options.baseUrl}${LOGOUT_PATH}`);
    this.validateUrl = new URL(`${options.baseUrl}${VALIDATE_PATH}`);
    this.appAuthUrl = new URL(`${options.baseUrl}${APP_AUTH_PATH}`);
    const secure = this.logoutUrl.protocol === 'https:';
    this.secure = secure;
    this.transport = secure ? https : http;
    const agentOptions: http.AgentOptions = {
      keepAlive: true,
      maxSockets: options.maxSockets,
      // The most recently used socket first: fewer connections stay warm and none go stale.
      scheduling: 'lifo',
    };
    this.agent = secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
  }

  /**
   * Revokes `token`. Never throws for upstream faults: they end as a FAILED result after the
   * last attempt. `deadline` (epoch ms) bounds the whole call, retries included.
   */
  async logout(
    token: string,
    {
      requestId,
      deadline,
      gate,
    }: {
      requestId: string;
      deadline?: number;
      /** Admits each attempt (the sweep's adaptive concurrency); none: attempts start at once. */
      gate?: UpstreamGate | undefined;
    },
  ): Promise<LogoutResult> {
    const headers = { ...this.commonHeaders(requestId), 'X-Access-Token': token };
    const { last, attempts, upstreamMs } = await this.withRetries(
      (limits) => this.attempt('DELETE', this.logoutUrl, headers, undefined, limits),
      deadline,
      undefined,
      gate,
    );
    if (!last) return { outcome: 'FAILED', attempts, failure: 'deadline', upstreamMs };
    const { result, classification } = last;
    // A code carrying any part of the token is dropped, for it would be stored, answered and logged.
    const errorCode =
      result.kind === 'response' && result.errorCode && !carriesToken(result.errorCode, token)
        ? result.errorCode
        : undefined;
    const upstream =
      result.kind === 'response'
        ? { upstreamStatus: result.status, ...(errorCode ? { upstreamErrorCode: errorCode } : {}) }
        : {};
    const outcome = classification.outcome;
    if (outcome !== 'FAILED') return { outcome, attempts, upstreamMs, ...upstream };
    // The last attempt was retryable but the attempts or the deadline ran out.
    const failure =
      result.kind === 'timeout'
        ? 'timeout'
        : result.kind === 'network'
          ? result.code
          : `http-${result.status}`;
    return { outcome, attempts, upstreamMs, failure, ...upstream };
  }

  /**
   * Asks Huawei whether `token` still works (POST /v1/usg/acs/token/validate). The token travels
   * in the body here, which is never logged. `dead` on 401, `alive` on 2xx, `unknown` otherwise.
   */
  async validate(
    token: string,
    { requestId, deadline }: { requestId: string; deadline?: number },
  ): Promise<'dead' | 'alive' | 'unknown'> {
    const headers = { ...this.commonHeaders(requestId), 'Content-Type': 'application/json' };
    const body = JSON.stringify({ token, needGenNewToken: false });
    const { last } = await this.withRetries(
      (limits) => this.attempt('POST', this.validateUrl, headers, body, limits),
      deadline,
    );
    if (last?.classification.outcome === 'ALREADY_INVALID') return 'dead';
    if (last?.classification.outcome === 'REVOKED') return 'alive';
    return 'unknown';
  }

  /**
   * Mints a token for `userId` with App ID authentication (POST /v2/usg/acs/auth/appauth). Each
   * attempt is signed afresh (new nonce, new expiry) on a connection of its own. Retried only
   * when the request surely did not reach Huawei or Huawei said it was not served (see
   * mintPolicy.ts): every mint that reaches Huawei costs one of the user id's 64 token slots.
   * Never throws for upstream faults, and nothing it returns or throws holds the App Key.
   */
  async mint(
    credentials: AppCredentials,
    userId: string,
    { requestId, deadline }: { requestId: string; deadline?: number },
  ): Promise<MintResult> {
    const common = this.commonHeaders(requestId);
    const { last, attempts, upstreamMs } = await this.withRetries(
      (limits) => {
        const { headers, body } = appAuthRequest(credentials, userId);
        return this.attempt(
          'POST',
          this.appAuthUrl,
          { ...common, ...headers },
          JSON.stringify(body),
          { ...limits, retryStale: false },
          { freshConnection: true, readSuccessBody: true },
        );
      },
      deadline,
      mintRetryable,
    );
    if (!last) return { kind: 'failed', attempts, upstreamMs, failure: 'deadline' };
    const { result } = last;
    if (result.kind !== 'response') {
      const failure = result.kind === 'timeout' ? 'timeout' : result.code;
      return { kind: 'failed', attempts, upstreamMs, failure };
    }
    const status = result.status;
    if (status >= 200 && status < 300) {
      const minted = parseMinted(result.body);
      if (minted)
        return { kind: 'minted', ...minted, attempts, upstreamStatus: status, upstreamMs };
      return {
        kind: 'failed',
        attempts,
        upstreamMs,
        failure: 'invalid-answer',
        upstreamStatus: status,
      };
    }
    const errorCode =
      result.errorCode && !carriesToken(result.errorCode, credentials.appKey)
        ? result.errorCode
        : undefined;
    return {
      kind: 'failed',
      attempts,
      upstreamMs,
      failure: `http-${status}`,
      upstreamStatus: status,
      ...(errorCode ? { upstreamErrorCode: errorCode } : {}),
    };
  }

  /** The retry loop (docs/INTERFACE.md, "Retries"): backoff with full jitter, Retry-After, the deadline. */
  private async withRetries(
    send: (limits: AttemptLimits) => Promise<AttemptResult>,
    deadline: number | undefined,
    retryable: (result: AttemptResult) => boolean = (result) => classify(result).retryable,
    gate?: UpstreamGate,
  ) {
    const { maxAttempts, timeoutMs, retryBaseMs } = this.options;
    let attempts = 0;
    /** Attempts that count towards maxAttempts. */
    let counted = 0;
    let upstreamMs = 0;
    let delayMs = 0;
    let last: { result: AttemptResult; classification: Classification } | undefined;
    while (counted < maxAttempts) {
      if (!canStartAttempt(Date.now(), delayMs, timeoutMs, deadline)) break;
      if (delayMs > 0) await sleep(delayMs);
      // The wait for a turn holds no slot, and a turn that came too late is given back unused.
      const throttledBefore = last?.result.kind === 'response' && last.result.status === 429;
      const permit = gate ? await gate.acquire(throttledBefore) : undefined;
      if (permit && !canStartAttempt(Date.now(), 0, timeoutMs, deadline)) {
        gate?.release(permit, 'neutral');
        break;
      }
      attempts += 1;
      const started = performance.now();
      // Only a call's first attempt may pick up a socket left idle since an earlier invocation,
      // and so stale. A later one mostly takes the socket the last attempt used a moment ago
      // (LIFO): a reset there is the upstream's doing, and an attempt.
      let result: AttemptResult;
      try {
        result = await send({ socketBy: this.socketBy(deadline), retryStale: attempts === 1 });
      } catch (error) {
        if (permit) gate?.release(permit, 'neutral');
        throw error;
      }
      const retryAfterMs = result.kind === 'response' ? result.retryAfterMs : undefined;
      if (permit) gate?.release(permit, verdictOf(result), retryAfterMs);
      upstreamMs += performance.now() - started;
      const classification = classify(result);
      last = { result, classification };
      if (!retryable(result)) break;
      // Behind a gate, a 429 that says when to come back is the invocation's own crowding, which
      // the gate corrects: it costs the account a wait, never one of its attempts, while the
      // deadline (which always bounds the loop there) allows another.
      const crowded =
        gate !== undefined &&
        deadline !== undefined &&
        throttledBy(result) &&
        retryAfterMs !== undefined;
      if (!crowded) counted += 1;
      delayMs = nextDelayMs(attempts, retryBaseMs, retryAfterMs, this.options.random);
    }
    return { last, attempts, upstreamMs };
  }

  /**
   * The latest moment an attempt may get its socket from the pool; past it the attempt ends as a
   * timeout. With a deadline: the last start from which the attempt can still finish by it (the
   * rule canStartAttempt applies before an attempt). Without one (local mode, tests) nothing else
   * would bound the wait, and a socket that never came back would hold the call for good: the wait
   * is bounded by what all of the call's attempts could take, maxAttempts × timeoutMs.
   */
  private socketBy(deadline: number | undefined): number {
    const { maxAttempts, timeoutMs } = this.options;
    return deadline === undefined ? Date.now() + maxAttempts * timeoutMs : deadline - timeoutMs;
  }

  private commonHeaders(requestId: string): Record<string, string> {
    return {
      'X-Request-ID': requestId,
      'Accept-Language': this.options.acceptLanguage,
      'User-Agent': USER_AGENT,
      Accept: 'application/json',
    };
  }

  /**
   * One attempt: a request bounded by the per-attempt timeout from the moment it has a socket (a
   * new socket's connect counts), after a wait for that socket lasting no later than `socketBy`.
   */
  private attempt(
    method: string,
    url: URL,
    headers: Record<string, string>,
    body: string | undefined,
    { socketBy, retryStale }: AttemptLimits,
    { freshConnection = false, readSuccessBody = false }: AttemptOptions = {},
  ): Promise<AttemptResult> {
    return new Promise<AttemptResult>((resolve) => {
      let settled = false;
      let request: http.ClientRequest | undefined;
      let attemptTimer: NodeJS.Timeout | undefined;
      // Whether a connection ever opened (TLS included): until then no byte of the request left.
      let connected = false;
      const timeOut = () => {
        request?.destroy(new AttemptTimeoutError());
        settle({ kind: 'timeout', connected });
      };
      // With more calls than sockets, requests queue in our own pool: that wait is not the
      // upstream's time, so it is bounded apart and the attempt's timer starts with the socket.
      const waitTimer = setTimeout(timeOut, Math.max(0, socketBy - Date.now()));
      const settle = (result: AttemptResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(waitTimer);
        clearTimeout(attemptTimer);
        resolve(result);
      };

      const send = (mayRetryStale: boolean) => {
        let current: http.ClientRequest;
        try {
          current = this.transport.request(url, {
            method,
            // agent false: a one-off agent and a new connection, closed after the answer.
            agent: freshConnection ? false : this.agent,
            headers:
              body === undefined
                ? headers
                : { ...headers, 'Content-Length': Buffer.byteLength(body) },
          });
        } catch (error) {
          // Only a token with characters no header may carry gets here; the error would quote it.
          settle({ kind: 'network', code: (error as NodeJS.ErrnoException).code ?? 'EREQUEST' });
          return;
        }
        request = current;
        let responded = false;
        current.on('socket', (socket) => {
          if (settled) return;
          clearTimeout(waitTimer);
          if (!socket.connecting) connected = true;
          else socket.once(this.secure ? 'secureConnect' : 'connect', () => (connected = true));
          // Set once: a retry after a stale socket stays on its attempt's clock.
          attemptTimer ??= setTimeout(timeOut, this.options.timeoutMs);
        });
        current.on('error', (error: NodeJS.ErrnoException) => {
          // A keep-alive socket the server closed while the Lambda was frozen fails before any
          // answer, the request most likely unread: it is sent again, once, on a fresh
          // connection, within this attempt (Node's documented pattern for reused sockets; both
          // calls are safe to repeat).
          const stale =
            current.reusedSocket && !responded && STALE_SOCKET_CODES.has(error.code ?? '');
          if (stale && mayRetryStale) {
            void this.closeIdleSockets().then(() => {
              if (!settled) send(false);
            });
            return;
          }
          settle(
            error instanceof AttemptTimeoutError
              ? { kind: 'timeout', connected }
              : { kind: 'network', code: error.code ?? 'ENETWORK', connected },
          );
        });
        current.on('response', (response) => {
          responded = true;
          this.read(response, settle, readSuccessBody);
        });
        current.end(body);
      };
      send(retryStale);
    });
  }

  /** Settles on an answer: a 2xx on its status alone, an error with its body read up to a cap. */
  private read(
    response: http.IncomingMessage,
    settle: (result: AttemptResult) => void,
    readSuccessBody: boolean,
  ): void {
    const status = response.statusCode ?? 0;
    if (status >= 200 && status < 300 && readSuccessBody) {
      this.readSuccess(response, status, settle);
      return;
    }
    if (status >= 200 && status < 300) {
      // The status is the answer: a slow or huge body must not turn a revocation into a timeout
      // and a second DELETE.
      settle({ kind: 'response', status });
      this.drain(response);
      return;
    }
    const retryAfterMs = parseRetryAfterMs(headerValue(response.headers['retry-after']));
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = () =>
      settle({
        kind: 'response',
        status,
        ...optional('errorCode', parseErrorCode(Buffer.concat(chunks).toString('utf8'))),
        ...optional('retryAfterMs', retryAfterMs),
      });
    response.on('data', (chunk: Buffer) => {
      if (size >= MAX_ERROR_BODY_BYTES) return;
      chunks.push(chunk);
      size += chunk.length;
      if (size >= MAX_ERROR_BODY_BYTES) {
        // Enough to read a code; drop the connection rather than stream the rest.
        finish();
        response.destroy();
      }
    });
    response.on('end', finish);
    // A body cut short still has a status worth classifying.
    response.on('error', finish);
    response.on('aborted', finish);
  }

  /** Reads a 2xx body whole, up to MAX_MINT_BODY_BYTES; a longer or broken one has no body. */
  private readSuccess(
    response: http.IncomingMessage,
    status: number,
    settle: (result: AttemptResult) => void,
  ): void {
    const chunks: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_MINT_BODY_BYTES) {
        settle({ kind: 'response', status });
        response.destroy();
        return;
      }
      chunks.push(chunk);
    });
    response.on('end', () =>
      settle({ kind: 'response', status, body: Buffer.concat(chunks).toString('utf8') }),
    );
    const cut = () => settle({ kind: 'response', status });
    response.on('error', cut);
    response.on('aborted', cut);
  }

  /**
   * Reads a settled answer's body to its end in the background, so that its socket goes back to
   * the pool. A body that fails, or takes longer than an attempt may, costs its socket instead:
   * one held by a body that never ends would shrink the pool for good.
   */
  private drain(response: http.IncomingMessage): void {
    const timer = setTimeout(() => response.destroy(), this.options.timeoutMs);
    // finished() also listens for 'error', so a body that fails never throws.
    finished(response, (error) => {
      clearTimeout(timer);
      if (error) response.destroy();
    });
    response.resume();
  }

  /**
   * Closes the pool's idle sockets and resolves once the agent has let go of them. One stale
   * socket means its idle peers went stale with it (the server closed them all while the Lambda
   * was frozen); a retry handed one of them would fail the same way.
   */
  private async closeIdleSockets(): Promise<void> {
    const idle = Object.values(this.agent.freeSockets).flatMap((sockets) => sockets ?? []);
    await Promise.all(
      idle.map(
        (socket) =>
          new Promise<void>((resolve) => {
            if (socket.closed) return resolve();
            socket.once('close', () => resolve());
            socket.destroy();
          }),
      ),
    );
  }

  close(): void {
    this.agent.destroy();
  }
}

/** The token and lifetime of a mint's 200 answer, or undefined when either is missing or odd. */
const parseMinted = (
  body: string | undefined,
): { token: string; validPeriodSeconds: number } | undefined => {
  const parsed = parseJsonObject(body);
  if (parsed === undefined) return undefined;
  const { accessToken, validPeriod } = parsed;
  if (typeof accessToken !== 'string' || !SENDABLE_TOKEN.test(accessToken)) return undefined;
  if (typeof validPeriod !== 'number' || !Number.isInteger(validPeriod) || validPeriod <= 0) {
    return undefined;
  }
  return { token: accessToken, validPeriodSeconds: validPeriod };
};

/** Huawei answered 429: too many calls in flight, or too many of them lately. */
const throttledBy = (result: AttemptResult): boolean =>
  result.kind === 'response' && result.status === 429;

/** How an attempt feeds the adaptive limit: a 429 shrinks it, any other answer grows it. */
const verdictOf = (result: AttemptResult): AttemptVerdict => {
  if (result.kind !== 'response') return 'neutral';
  if (throttledBy(result)) return 'throttled';
  return result.status >= 500 ? 'neutral' : 'served';
};

const headerValue = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value[0] : value;

const optional = <K extends string, V>(key: K, value: V | undefined) =>
  (value === undefined ? {} : { [key]: value }) as Partial<Record<K, V>>;
