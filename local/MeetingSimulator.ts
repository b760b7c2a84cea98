// Huawei Cloud Meeting stand-in for tests and local mode: an HTTP server on 127.0.0.1, scriptable.
// It plays Huawei's side of logout, validate, refresh and App ID authentication (minting, with
// the 64-token cap per user id). Error codes: USG.000000004 (a dead token, 401) and APIG.0308
// (throttling, 429) are Huawei's published ones; every other code here is invented, and every
// invented code this file adds for App ID authentication starts with SIM.
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { listenOnLoopback } from './listenOnLoopback.js';

export interface Behaviour {
  /** Status to answer with; without it the token's state decides (200 live, 401 dead or unknown). */
  status?: number;
  /** Raw string sent as-is; an object is JSON-encoded. Without it a realistic body for the status. */
  body?: string | object;
  headers?: Record<string, string>;
  /** Wait before answering, on top of the simulator's latencyMs. */
  delayMs?: number;
  /** Never answer: the request stays open until the client gives up or the simulator stops. */
  hang?: boolean;
  /** Destroy the socket without answering (the client sees ECONNRESET or "socket hang up"). */
  reset?: boolean;
  /** Stream a body of exactly this many bytes, in chunks, to exercise response size caps. */
  bodyBytes?: number;
  /** Send the status and headers, then wait this long before the body: a slow body. */
  bodyDelayMs?: number;
}

export interface RecordedRequest {
  method: string;
  /** The request target as sent, query string included. */
  path: string;
  /** Lowercased names, as Node gives them. */
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** X-Access-Token for DELETE, the body's `token` for validate; absent when neither was sent. */
  token?: string;
  /** Date.now() when the request's headers arrived. */
  receivedAt: number;
}

interface TokenState {
  live: boolean;
  surviveLogout: boolean;
  /** The user id a minted token belongs to; tokens seeded with addToken belong to none. */
  userId?: string;
  /** Epoch ms when minted or seeded. */
  createdAt: number;
  /** Epoch s when the token stops working on its own (refresh moves it). */
  expireTime: number;
}

/** An App ID the simulator accepts, as registered with addApp(). */
interface AppState {
  appKey: string;
  /** Nonces already used with this App ID, each until its signature's expiry (epoch s). */
  usedNonces: Map<string, number>;
}

interface Script {
  behaviours: Behaviour[];
  used: number;
}

const TOKEN_PATH = '/v1/usg/acs/token';
const VALIDATE_PATH = '/v1/usg/acs/token/validate';
const APP_AUTH_PATH = '/v2/usg/acs/auth/appauth';
/** Huawei: for client type 72 one user id holds at most 64 tokens; a 65th kills the oldest. */
export const TOKENS_PER_USER = 64;
/** Lifetime of a minted token: Huawei's tokens live 12 to 24 hours. */
export const MINTED_VALID_PERIOD_SECONDS = 12 * 60 * 60;
/** Seconds a token seeded with addToken is reported valid for. */
const SEEDED_VALID_PERIOD_SECONDS = 3600;
/** The key under which scriptMint() stores its behaviours (no token can look like it). */
const MINT_SCRIPT = ' appauth ';
// Recorded bodies are only for assertions; a cap keeps a runaway client from eating memory.
const MAX_RECORDED_BODY = 1024 * 1024;
const STREAM_CHUNK = 64 * 1024;

export class MeetingSimulator {
  readonly baseUrl: string;
  readonly requests: RecordedRequest[] = [];
  latencyMs: number;
  /**
   * Throttling like Huawei's API gateway: with more than this many requests in flight, a request
   * is answered 429 (APIG.0308) with `Retry-After: 1` at once. Undefined: never.
   */
  throttleAbove: number | undefined;
  /** Requests answered 429 by the throttle since start or reset. */
  throttled = 0;
  /**
   * While the throttle is on: the requests in flight as each one arrived (itself included), in
   * arrival order, and whether it was throttled. What the client's concurrency looked like here.
   */
  readonly arrivals: { inFlight: number; throttled: boolean }[] = [];

  readonly #server: Server;
  readonly #initialLatencyMs: number;
  readonly #tokens = new Map<string, TokenState>();
  readonly #apps = new Map<string, AppState>();
  /** Per user id, its minted tokens oldest first (dead ones dropped as they die). */
  readonly #minted = new Map<string, string[]>();
  readonly #scripts = new Map<string, Script>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #inFlight = 0;
  #maxInFlight = 0;
  #connectionsOpened = 0;
  readonly #sockets = new Set<Socket>();
  readonly #busySockets = new Set<Socket>();
  readonly #droppedSockets = new Set<Socket>();
  #requestsDropped = 0;

  private constructor(server: Server, baseUrl: string, latencyMs: number) {
    this.#server = server;
    this.#initialLatencyMs = latencyMs;
    this.latencyMs = latencyMs;
    this.baseUrl = baseUrl;
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (this.#droppedSockets.has(req.socket)) {
        // A connection the server forgot: the request never reaches it, the client sees it close.
        this.#requestsDropped += 1;
        req.socket.destroy();
        return;
      }
      this.#busySockets.add(req.socket);
      res.once('close', () => this.#busySockets.delete(req.socket));
      this.#handle(req, res).catch(() => {
        // A client that vanished mid-answer is normal here (timeouts, resets): nothing to report.
        res.destroy();
      });
    });
    server.on('connection', (socket: Socket) => {
      this.#connectionsOpened += 1;
      this.#sockets.add(socket);
      socket.once('close', () => {
        this.#sockets.delete(socket);
        this.#droppedSockets.delete(socket);
      });
    });
  }

  static async start(options: { latencyMs?: number } = {}): Promise<MeetingSimulator> {
    const server = createServer({ keepAliveTimeout: 30_000 });
    const baseUrl = await listenOnLoopback(server);
    return new MeetingSimulator(server, baseUrl, options.latencyMs ?? 0);
  }

  /** The most requests being handled at once since start or reset. */
  get maxInFlight(): number {
    return this.#maxInFlight;
  }

  /** TCP connections accepted since start or reset: shows whether clients reuse sockets. */
  get connectionsOpened(): number {
    return this.#connectionsOpened;
  }

  /** Requests that arrived on a connection dropped by dropIdleSockets(), since start or reset. */
  get requestsDropped(): number {
    return this.#requestsDropped;
  }

  /**
   * Forgets every idle keep-alive connection without telling the client, as a server does while
   * a Lambda is frozen: the client's next request on one is met with the connection closing.
   */
  dropIdleSockets(): void {
    for (const socket of this.#sockets) {
      if (!this.#busySockets.has(socket)) this.#droppedSockets.add(socket);
    }
  }

  addToken(token: string, options: { surviveLogout?: boolean } = {}): void {
    this.#tokens.set(token, {
      live: true,
      surviveLogout: options.surviveLogout ?? false,
      createdAt: Date.now(),
      expireTime: Math.floor(Date.now() / 1000) + SEEDED_VALID_PERIOD_SECONDS,
    });
  }

  /**
   * Registers an App ID and its App Key: App ID authentication signed with them mints tokens.
   * Survives reset() like the server itself; removeApp() forgets one.
   */
  addApp(appId: string, appKey: string): void {
    this.#apps.set(appId, { appKey, usedNonces: new Map() });
  }

  removeApp(appId: string): void {
    this.#apps.delete(appId);
  }

  /** The live tokens minted for `userId`, oldest first. */
  liveTokensOf(userId: string): string[] {
    return (this.#minted.get(userId) ?? []).filter((token) => this.isLive(token));
  }

  /** Every token minted since start or reset, oldest first, live or not. */
  get mintedTokens(): string[] {
    return [...this.#tokens.entries()]
      .filter(([, state]) => state.userId !== undefined)
      .map(([token]) => token);
  }

  /**
   * Scripts the answers to App ID authentication, one per request, the last repeated, as
   * script() does for a token. A behaviour with a status answers it without minting; `hang` and
   * `reset` mint first (the request reached Huawei, the answer is lost), as a real server would.
   */
  scriptMint(behaviours: Behaviour | Behaviour[]): void {
    this.script(MINT_SCRIPT, behaviours);
  }

  /** Whether the simulator still considers the token valid (not logged out, killed or expired). */
  isLive(token: string): boolean {
    const state = this.#tokens.get(token);
    if (!state?.live) return false;
    return state.expireTime * 1000 > Date.now();
  }

  script(token: string, behaviours: Behaviour | Behaviour[]): void {
    const list = Array.isArray(behaviours) ? behaviours : [behaviours];
    if (list.length === 0) throw new Error('script needs at least one behaviour');
    this.#scripts.set(token, { behaviours: list, used: 0 });
  }

  /** Every request that carried this token (logout and validate), in arrival order. */
  callsFor(token: string): RecordedRequest[] {
    return this.requests.filter((request) => request.token === token);
  }

  reset(): void {
    this.#tokens.clear();
    this.#minted.clear();
    for (const app of this.#apps.values()) app.usedNonces.clear();
    this.#scripts.clear();
    this.requests.length = 0;
    this.#maxInFlight = this.#inFlight;
    this.#connectionsOpened = 0;
    this.#requestsDropped = 0;
    // Dropped connections would trip the next test's client; closing them tells it now.
    for (const socket of this.#droppedSockets) socket.destroy();
    this.latencyMs = this.#initialLatencyMs;
    this.throttleAbove = undefined;
    this.throttled = 0;
    this.arrivals.length = 0;
  }

  async stop(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    // close() alone waits for keep-alive and hanging sockets; tests must not wait 30 s for them.
    this.#server.closeAllConnections();
    await closed;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const receivedAt = Date.now();
    this.#inFlight += 1;
    this.#maxInFlight = Math.max(this.#maxInFlight, this.#inFlight);
    res.once('close', () => {
      this.#inFlight -= 1;
    });
    if (this.throttleAbove !== undefined) {
      const throttled = this.#inFlight > this.throttleAbove;
      this.arrivals.push({ inFlight: this.#inFlight, throttled });
      if (throttled) {
        this.throttled += 1;
        req.resume();
        const requestId = headerValue(req.headers['x-request-id']) ?? randomUUID();
        const body = bodyFor({ status: 429 }, requestId);
        res.writeHead(429, {
          'Content-Type': 'application/json;charset=UTF-8',
          'Content-Length': Buffer.byteLength(body),
          'Retry-After': '1',
          'X-Request-Id': requestId,
        });
        res.end(body);
        return;
      }
    }

    const body = await readBody(req);
    const method = req.method ?? 'GET';
    const target = req.url ?? '/';
    const pathname = target.split('?')[0] ?? '/';
    const requestId = headerValue(req.headers['x-request-id']) ?? randomUUID();
    const record: RecordedRequest = {
      method,
      path: target,
      headers: { ...req.headers },
      body,
      receivedAt,
    };
    this.requests.push(record);

    if (pathname === TOKEN_PATH) {
      const token = headerValue(req.headers['x-access-token']);
      if (token !== undefined) record.token = token;
      if (method === 'PUT') return this.#refresh(res, token, requestId);
      if (method !== 'DELETE') {
        return this.#answer(res, { status: 405, body: methodNotAllowed(requestId) }, requestId);
      }
      return this.#logout(req, res, token, requestId);
    }
    if (pathname === APP_AUTH_PATH) {
      if (method !== 'POST') {
        return this.#answer(res, { status: 405, body: methodNotAllowed(requestId) }, requestId);
      }
      return this.#appAuth(req, res, body, record, requestId);
    }
    if (pathname === VALIDATE_PATH) {
      const token = tokenFromBody(body);
      if (token !== undefined) record.token = token;
      if (method !== 'POST') {
        return this.#answer(res, { status: 405, body: methodNotAllowed(requestId) }, requestId);
      }
      return this.#validate(res, token, requestId);
    }
    return this.#answer(
      res,
      {
        status: 404,
        body: errorBody('USG.000000404', `No route for ${method} ${pathname}.`, requestId),
      },
      requestId,
    );
  }

  async #logout(
    req: IncomingMessage,
    res: ServerResponse,
    token: string | undefined,
    requestId: string,
  ): Promise<void> {
    if (token === undefined || token === '') {
      return this.#answer(res, { status: 400, body: badRequest(requestId) }, requestId);
    }
    const behaviour = this.#nextBehaviour(token);
    if (behaviour.reset) {
      await this.#wait(this.latencyMs + (behaviour.delayMs ?? 0), res);
      req.socket.destroy();
      return;
    }
    if (behaviour.hang) return;

    const state = this.#tokens.get(token);
    const status = behaviour.status ?? (state?.live ? 200 : 401);
    // The state changes when the request is handled, not when the answer leaves: like a real
    // server, a client that times out may still have logged the token out.
    if (status === 200 && state && !state.surviveLogout) state.live = false;
    return this.#answer(res, { ...behaviour, status }, requestId);
  }

  async #validate(
    res: ServerResponse,
    token: string | undefined,
    requestId: string,
  ): Promise<void> {
    if (token === undefined || token === '') {
      return this.#answer(res, { status: 400, body: badRequest(requestId) }, requestId);
    }
    const state = this.#tokens.get(token);
    if (state && this.isLive(token)) {
      // Huawei answers the token itself here; '<redacted>' keeps secrets out of test output.
      // needGenNewToken is not simulated: the same token is reported whatever it asks.
      return this.#answer(res, { status: 200, body: tokenInfo(state) }, requestId);
    }
    return this.#answer(res, { status: 401, body: invalidToken(requestId) }, requestId);
  }

  /** PUT /v1/usg/acs/token: Huawei's refresh, which extends a live token's validity. */
  async #refresh(res: ServerResponse, token: string | undefined, requestId: string) {
    if (token === undefined || token === '') {
      return this.#answer(res, { status: 400, body: badRequest(requestId) }, requestId);
    }
    const state = this.#tokens.get(token);
    if (!state || !this.isLive(token)) {
      return this.#answer(res, { status: 401, body: invalidToken(requestId) }, requestId);
    }
    state.expireTime = Math.floor(Date.now() / 1000) + validPeriodOf(state);
    return this.#answer(res, { status: 200, body: tokenInfo(state) }, requestId);
  }

  /**
   * POST /v2/usg/acs/auth/appauth: checks the Authorization header (`access` names a registered
   * App ID, the signature is the App Key's HMAC of appId:userId:expireTime:nonce), the signature's
   * expiry and that the nonce is new, then mints a token for the user id.
   */
  async #appAuth(
    req: IncomingMessage,
    res: ServerResponse,
    raw: string,
    record: RecordedRequest,
    requestId: string,
  ): Promise<void> {
    const refuse = (status: number, code: string, message: string) =>
      this.#answer(res, { status, body: errorBody(code, message, requestId) }, requestId);
    const behaviour = this.#nextBehaviour(MINT_SCRIPT);
    if (behaviour.status !== undefined)
      return this.#answer(res, { ...behaviour, status: behaviour.status }, requestId);

    const body = parseObject(raw);
    const { appId, userId, expireTime, nonce, clientType } = body ?? {};
    if (
      typeof appId !== 'string' ||
      typeof userId !== 'string' ||
      typeof nonce !== 'string' ||
      typeof expireTime !== 'number' ||
      !Number.isInteger(expireTime)
    ) {
      return this.#answer(res, { status: 400, body: badRequest(requestId) }, requestId);
    }
    if (clientType !== 72) return refuse(400, 'SIM.unsupportedClientType', 'Only clientType 72.');
    if (body && 'corpId' in body) {
      // Huawei: corpId belongs to service-provider mode and fails authentication otherwise.
      return refuse(401, 'SIM.corpIdNotAllowed', 'corpId in single-enterprise mode.');
    }
    if (!/^[A-Za-z0-9]{32,64}$/.test(nonce)) return refuse(400, 'SIM.badNonce', 'Bad nonce.');
    const auth = parseAuthorization(headerValue(req.headers['authorization']));
    if (!auth) return refuse(401, 'SIM.badAuthorization', 'Malformed Authorization header.');
    const app = this.#apps.get(auth.appId);
    if (!app || auth.appId !== appId) {
      return refuse(401, 'SIM.unknownApp', 'Unknown App ID or access does not match appId.');
    }
    const expected = createHmac('sha256', Buffer.from(app.appKey, 'utf8'))
      .update(`${appId}:${userId}:${expireTime}:${nonce}`, 'utf8')
      .digest();
    const given = Buffer.from(auth.signature, 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return refuse(401, 'SIM.badSignature', 'The signature does not match.');
    }
    const now = Math.floor(Date.now() / 1000);
    // Huawei: expireTime 0 means a signature that never expires.
    if (expireTime !== 0 && expireTime < now) {
      return refuse(401, 'SIM.signatureExpired', 'The signature has expired.');
    }
    for (const [used, until] of app.usedNonces)
      if (until !== 0 && until < now) app.usedNonces.delete(used);
    if (app.usedNonces.has(nonce))
      return refuse(401, 'SIM.nonceReused', 'The nonce was used before.');
    app.usedNonces.set(nonce, expireTime);

    const token = this.#mint(userId);
    if (behaviour.reset) {
      await this.#wait(this.latencyMs + (behaviour.delayMs ?? 0), res);
      req.socket.destroy();
      return;
    }
    if (behaviour.hang) return;
    const state = this.#tokens.get(token) as TokenState;
    // The real answer carries the new token: the client needs it. Recorded like a logout's.
    record.token = token;
    return this.#answer(
      res,
      { ...behaviour, status: 200, body: { ...tokenInfo(state), accessToken: token } },
      requestId,
    );
  }

  /** A new live token for `userId`; the 65th live one kills the oldest. */
  #mint(userId: string): string {
    const token = randomBytes(27).toString('base64url');
    const now = Date.now();
    this.#tokens.set(token, {
      live: true,
      surviveLogout: false,
      userId,
      createdAt: now,
      expireTime: Math.floor(now / 1000) + MINTED_VALID_PERIOD_SECONDS,
    });
    const live = [...this.liveTokensOf(userId), token];
    while (live.length > TOKENS_PER_USER) {
      const oldest = live.shift() as string;
      const state = this.#tokens.get(oldest);
      if (state) state.live = false;
    }
    this.#minted.set(userId, live);
    return token;
  }

  #nextBehaviour(token: string): Behaviour {
    const script = this.#scripts.get(token);
    if (!script) return {};
    const index = Math.min(script.used, script.behaviours.length - 1);
    script.used += 1;
    return script.behaviours[index] ?? {};
  }

  async #answer(
    res: ServerResponse,
    behaviour: Behaviour & { status: number },
    requestId: string,
  ): Promise<void> {
    await this.#wait(this.latencyMs + (behaviour.delayMs ?? 0), res);
    if (res.destroyed || res.writableEnded) return;

    res.statusCode = behaviour.status;
    res.setHeader('Content-Type', 'application/json;charset=UTF-8');
    res.setHeader('X-Request-Id', requestId);
    for (const [name, value] of Object.entries(behaviour.headers ?? {})) res.setHeader(name, value);

    const body = behaviour.bodyBytes === undefined ? bodyFor(behaviour, requestId) : undefined;
    if (body !== undefined) res.setHeader('Content-Length', Buffer.byteLength(body));
    if (behaviour.bodyDelayMs !== undefined) {
      // The client has its status now; the body follows late, as from a stalled upstream.
      res.flushHeaders();
      await this.#wait(behaviour.bodyDelayMs, res);
      if (res.destroyed) return;
    }
    if (body === undefined) {
      await streamFiller(res, behaviour.bodyBytes ?? 0);
      return;
    }
    res.end(body);
  }

  /** Sleeps, but wakes early when the client goes away or the simulator stops. */
  #wait(ms: number, res: ServerResponse): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#timers.delete(timer);
        res.off('close', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#timers.add(timer);
      res.once('close', done);
    });
  }
}

function bodyFor(behaviour: Behaviour & { status: number }, requestId: string): string {
  if (typeof behaviour.body === 'string') return behaviour.body;
  if (behaviour.body !== undefined) return JSON.stringify(behaviour.body);
  switch (behaviour.status) {
    case 200:
      return '{}';
    case 400:
      return JSON.stringify(badRequest(requestId));
    case 401:
      return JSON.stringify(invalidToken(requestId));
    case 429:
      // Huawei's API gateway reports throttling with its own code.
      return JSON.stringify(
        errorBody('APIG.0308', 'The throttling threshold has been reached.', requestId),
      );
    default:
      // A made-up code, clearly the simulator's, for statuses Huawei documents no body for.
      return JSON.stringify(
        errorBody(`SIM.${behaviour.status}`, `Simulated status ${behaviour.status}.`, requestId),
      );
  }
}

function errorBody(code: string, message: string, requestId: string) {
  return { error_code: code, error_msg: message, request_id: requestId };
}

function invalidToken(requestId: string) {
  return errorBody('USG.000000004', 'The token is invalid.', requestId);
}

function badRequest(requestId: string) {
  return errorBody('USG.000000001', 'The request parameter is invalid.', requestId);
}

function methodNotAllowed(requestId: string) {
  return errorBody('USG.000000405', 'Method not allowed.', requestId);
}

/** Huawei's token description, as validate, refresh and App ID authentication answer it. */
function tokenInfo(state: TokenState) {
  const userId = state.userId ?? 'sim-user';
  return {
    accessToken: '<redacted>',
    tokenIp: '127.0.0.1',
    // The token's lifetime in seconds, as Huawei reports it (expireTime says when it ends).
    validPeriod: validPeriodOf(state),
    expireTime: state.expireTime,
    createTime: state.createdAt,
    user: { userId, thirdAccount: userId, userName: userId, corpId: 'sim-corp', userType: 2 },
    clientType: 72,
    tokenType: 0,
    forceLoginInd: 0,
    firstLogin: false,
    delayDelete: false,
  };
}

function validPeriodOf(state: TokenState): number {
  return state.userId === undefined ? SEEDED_VALID_PERIOD_SECONDS : MINTED_VALID_PERIOD_SECONDS;
}

/** `HMAC-SHA256 signature=<hex>,access=<base64(appId)>`, or undefined when it is not that. */
function parseAuthorization(
  header: string | undefined,
): { signature: string; appId: string } | undefined {
  const match = /^HMAC-SHA256 signature=([0-9a-f]{64}),access=([A-Za-z0-9+/]+=*)$/.exec(
    header ?? '',
  );
  if (!match?.[1] || !match[2]) return undefined;
  return { signature: match[1], appId: Buffer.from(match[2], 'base64').toString('utf8') };
}

function parseObject(body: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function tokenFromBody(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object' && 'token' in parsed) {
      const token = (parsed as { token: unknown }).token;
      return typeof token === 'string' ? token : undefined;
    }
  } catch {
    // Not JSON: treated as a request without a token.
  }
  return undefined;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      const buffer = chunk as Buffer;
      if (size < MAX_RECORDED_BODY) chunks.push(buffer);
      size += buffer.length;
    }
  } catch {
    // The client aborted while sending: record what arrived.
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function streamFiller(res: ServerResponse, total: number): Promise<void> {
  // No Content-Length: a chunked body makes the client find the size out by reading, as it must
  // with a misbehaving upstream.
  const chunk = Buffer.alloc(STREAM_CHUNK, 'x');
  let sent = 0;
  while (sent < total && !res.destroyed) {
    const size = Math.min(STREAM_CHUNK, total - sent);
    const ok = res.write(size === STREAM_CHUNK ? chunk : chunk.subarray(0, size));
    sent += size;
    if (!ok) {
      await new Promise<void>((resolve) => {
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.once('drain', done);
        res.once('close', done);
      });
    }
  }
  if (!res.destroyed) res.end();
}
