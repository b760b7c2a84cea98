// Huawei Cloud Meeting's "Logging Out" call (DELETE /v1/usg/acs/token) with timeouts, retries and
// a keep-alive connection pool. Written by hand: Huawei's SDKs can only log out their own
// session, never a token they are handed (see README, "Why a hand-written client").
import http from 'node:http';
import https from 'node:https';
import { finished } from 'node:stream';
import type { AcceptLanguage } from '../config.js';
import { USER_AGENT } from '../version.js';
import { type AttemptResult, type Classification, classify } from './classify.js';
import { carriesToken, parseErrorCode } from './errorBody.js';
import { canStartAttempt, nextDelayMs, parseRetryAfterMs } from './retryPolicy.js';

/** Error bodies are read up to this size; the rest is discarded, never buffered. */
export const MAX_ERROR_BODY_BYTES = 16 * 1024;
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

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

class AttemptTimeoutError extends Error {
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

export class MeetingClient {
  readonly agent: http.Agent;
  private readonly logoutUrl: URL;
  private readonly validateUrl: URL;
  private readonly transport: typeof http | typeof https;

  constructor(readonly options: MeetingClientOptions) {
    this.logoutUrl = new URL(`${options.baseUrl}${LOGOUT_PATH}`);
    this.validateUrl = new URL(`${options.baseUrl}${VALIDATE_PATH}`);
    const secure = this.logoutUrl.protocol === 'https:';
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
    { requestId, deadline }: { requestId: string; deadline?: number },
  ): Promise<LogoutResult> {
    const headers = { ...this.commonHeaders(requestId), 'X-Access-Token': token };
    const { last, attempts, upstreamMs } = await this.withRetries(
      (limits) => this.attempt('DELETE', this.logoutUrl, headers, undefined, limits),
      deadline,
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

  /** The retry loop of CONTRACT §2: backoff with full jitter, Retry-After, the deadline. */
  private async withRetries(
    send: (limits: AttemptLimits) => Promise<AttemptResult>,
    deadline: number | undefined,
  ) {
    const { maxAttempts, timeoutMs, retryBaseMs } = this.options;
    let attempts = 0;
    let upstreamMs = 0;
    let delayMs = 0;
    let last: { result: AttemptResult; classification: Classification } | undefined;
    while (attempts < maxAttempts) {
      if (!canStartAttempt(Date.now(), delayMs, timeoutMs, deadline)) break;
      if (delayMs > 0) await sleep(delayMs);
      attempts += 1;
      const started = performance.now();
      // Only a call's first attempt may pick up a socket left idle since an earlier invocation,
      // and so stale. A later one mostly takes the socket the last attempt used a moment ago
      // (LIFO): a reset there is the upstream's doing, and an attempt.
      const result = await send({ socketBy: this.socketBy(deadline), retryStale: attempts === 1 });
      upstreamMs += performance.now() - started;
      const classification = classify(result);
      last = { result, classification };
      if (!classification.retryable) break;
      const retryAfterMs = result.kind === 'response' ? result.retryAfterMs : undefined;
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
  ): Promise<AttemptResult> {
    return new Promise<AttemptResult>((resolve) => {
      let settled = false;
      let request: http.ClientRequest | undefined;
      let attemptTimer: NodeJS.Timeout | undefined;
      const timeOut = () => {
        request?.destroy(new AttemptTimeoutError());
        settle({ kind: 'timeout' });
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
            agent: this.agent,
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
        current.on('socket', () => {
          if (settled) return;
          clearTimeout(waitTimer);
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
              ? { kind: 'timeout' }
              : { kind: 'network', code: error.code ?? 'ENETWORK' },
          );
        });
        current.on('response', (response) => {
          responded = true;
          this.read(response, settle);
        });
        current.end(body);
      };
      send(retryStale);
    });
  }

  /** Settles on an answer: a 2xx on its status alone, an error with its body read up to a cap. */
  private read(response: http.IncomingMessage, settle: (result: AttemptResult) => void): void {
    const status = response.statusCode ?? 0;
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

const headerValue = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value[0] : value;

const optional = <K extends string, V>(key: K, value: V | undefined) =>
  (value === undefined ? {} : { [key]: value }) as Partial<Record<K, V>>;
