// Huawei Cloud Meeting's "Logging Out" call (DELETE /v1/usg/acs/token) with timeouts, retries and
// a keep-alive connection pool. Written by hand: Huawei's SDKs can only log out their own
// session, never a token they are handed (see README, "Why a hand-written client").
import http from 'node:http';
import https from 'node:https';
import type { AcceptLanguage } from '../config.js';
import { USER_AGENT } from '../version.js';
import { type AttemptResult, type Classification, classify } from './classify.js';
import { parseErrorCode } from './errorBody.js';
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
      () => this.attempt('DELETE', this.logoutUrl, headers),
      deadline,
    );
    if (!last) return { outcome: 'FAILED', attempts, failure: 'deadline', upstreamMs };
    const { result, classification } = last;
    // A well-formed code may still echo the token (an alphanumeric token fits the code's pattern):
    // such a code is dropped, for it would be stored, answered and logged.
    const errorCode =
      result.kind === 'response' && !result.errorCode?.includes(token)
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
      () => this.attempt('POST', this.validateUrl, headers, body),
      deadline,
    );
    if (last?.classification.outcome === 'ALREADY_INVALID') return 'dead';
    if (last?.classification.outcome === 'REVOKED') return 'alive';
    return 'unknown';
  }

  /** The retry loop of CONTRACT §2: backoff with full jitter, Retry-After, the deadline. */
  private async withRetries(send: () => Promise<AttemptResult>, deadline: number | undefined) {
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
      const result = await send();
      upstreamMs += performance.now() - started;
      const classification = classify(result);
      last = { result, classification };
      if (!classification.retryable) break;
      const retryAfterMs = result.kind === 'response' ? result.retryAfterMs : undefined;
      delayMs = nextDelayMs(attempts, retryBaseMs, retryAfterMs, this.options.random);
    }
    return { last, attempts, upstreamMs };
  }

  private commonHeaders(requestId: string): Record<string, string> {
    return {
      'X-Request-ID': requestId,
      'Accept-Language': this.options.acceptLanguage,
      'User-Agent': USER_AGENT,
      Accept: 'application/json',
    };
  }

  /** One request, bounded by the per-attempt timeout, its body read up to a cap. */
  private attempt(
    method: string,
    url: URL,
    headers: Record<string, string>,
    body?: string,
  ): Promise<AttemptResult> {
    return new Promise<AttemptResult>((resolve) => {
      let settled = false;
      const settle = (result: AttemptResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      let request: http.ClientRequest;
      try {
        request = this.transport.request(url, {
          method,
          agent: this.agent,
          headers:
            body === undefined
              ? headers
              : { ...headers, 'Content-Length': Buffer.byteLength(body) },
        });
      } catch (error) {
        // Only a token with characters no header may carry gets here; the error would quote it.
        resolve({ kind: 'network', code: (error as NodeJS.ErrnoException).code ?? 'EREQUEST' });
        return;
      }
      const timer = setTimeout(() => {
        request.destroy(new AttemptTimeoutError());
        settle({ kind: 'timeout' });
      }, this.options.timeoutMs);

      request.on('error', (error: NodeJS.ErrnoException) => {
        settle(
          error instanceof AttemptTimeoutError
            ? { kind: 'timeout' }
            : { kind: 'network', code: error.code ?? 'ENETWORK' },
        );
      });
      request.on('response', (response) => {
        const status = response.statusCode ?? 0;
        const retryAfterMs = parseRetryAfterMs(headerValue(response.headers['retry-after']));
        if (status >= 200 && status < 300) {
          // Drain so the socket goes back to the pool.
          response.resume();
          response.on('end', () => settle({ kind: 'response', status }));
          response.on('error', () => settle({ kind: 'response', status }));
          return;
        }
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
      });
      request.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

const headerValue = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value[0] : value;

const optional = <K extends string, V>(key: K, value: V | undefined) =>
  (value === undefined ? {} : { [key]: value }) as Partial<Record<K, V>>;
