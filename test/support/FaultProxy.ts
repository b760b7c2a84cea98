// A fault-injecting HTTP proxy between an AWS SDK client and a local AWS endpoint (dynalite):
// chosen operations answer throttling or 5xx errors, lose their answer, reset or stall.
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';
import { listenOnLoopback } from '../../local/listenOnLoopback.js';

/** What an injected fault does to a request that matches its rule. */
export type Fault =
  /** Answers an AWS JSON error without forwarding: nothing reaches the service. */
  | { kind: 'error'; status: number; type: string; message: string }
  /** Forwards the request (the service acts on it), then answers a 500 instead of its answer. */
  | { kind: 'lostAnswer' }
  /** Destroys the socket without answering, before forwarding. */
  | { kind: 'reset' }
  /** Never answers, never forwards: the connection stays open, silent, until the proxy stops. */
  | { kind: 'hang' }
  /**
   * BatchWriteItem only: forwards the request without the puts `item` matches and answers those as
   * `UnprocessedItems`, as DynamoDB does with the puts it could not write.
   */
  | { kind: 'refuse'; item: (item: Record<string, unknown>) => boolean };

const DYNAMODB = 'com.amazonaws.dynamodb.v20120810';

/** DynamoDB's throttling answer (400), which the SDK retries with its throttling backoff. */
export const throttled = (): Fault => ({
  kind: 'error',
  status: 400,
  type: `${DYNAMODB}#ProvisionedThroughputExceededException`,
  message:
    'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
});

/** DynamoDB's 500: the service failed; the SDK retries it as transient. */
export const internalError = (): Fault => ({
  kind: 'error',
  status: 500,
  type: `${DYNAMODB}#InternalServerError`,
  message: 'Internal server error',
});

/** A 503 from the service front end. */
export const unavailable = (): Fault => ({
  kind: 'error',
  status: 503,
  type: 'com.amazon.coral.availability#ServiceUnavailableException',
  message: 'Service Unavailable',
});

export interface FaultRule {
  /** X-Amz-Target to match, e.g. `DynamoDB_20120810.PutItem`; every request when absent. */
  target?: string;
  /** Further narrows the match on the request body (e.g. only the record, not the marker). */
  when?: (body: string) => boolean;
  fault: Fault;
  /** How many matching requests get the fault; every one when absent. */
  times?: number;
}

export interface ProxiedRequest {
  target: string;
  body: string;
  /** The fault applied, if any. */
  fault?: Fault['kind'];
}

interface ActiveRule extends FaultRule {
  remaining: number;
}

export class FaultProxy {
  readonly endpoint: string;
  /** Every request seen, in arrival order, faulted or not. */
  readonly requests: ProxiedRequest[] = [];
  readonly #server: Server;
  readonly #upstream: URL;
  readonly #rules: ActiveRule[] = [];

  private constructor(server: Server, endpoint: string, upstream: string) {
    this.#server = server;
    this.#upstream = new URL(upstream);
    this.endpoint = endpoint;
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      this.#handle(req, res).catch(() => res.destroy());
    });
  }

  /** Starts a proxy on 127.0.0.1 in front of `upstream` (e.g. dynalite's endpoint). */
  static async start(upstream: string): Promise<FaultProxy> {
    const server = createServer({ keepAliveTimeout: 5_000 });
    return new FaultProxy(server, await listenOnLoopback(server), upstream);
  }

  /** Adds a rule; rules are tried in the order they were added. */
  inject(rule: FaultRule): this {
    this.#rules.push({ ...rule, remaining: rule.times ?? Number.POSITIVE_INFINITY });
    return this;
  }

  /** Requests for one target (e.g. `DynamoDB_20120810.PutItem`), optionally narrowed by body. */
  requestsFor(target: string, when?: (body: string) => boolean): ProxiedRequest[] {
    return this.requests.filter((r) => r.target === target && (when ? when(r.body) : true));
  }

  clear(): void {
    this.#rules.length = 0;
    this.requests.length = 0;
  }

  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const text = body.toString('utf8');
    const target = String(req.headers['x-amz-target'] ?? '');
    const rule = this.#take(target, text);
    this.requests.push({ target, body: text, ...(rule ? { fault: rule.fault.kind } : {}) });

    if (rule?.fault.kind === 'hang') return;
    if (rule?.fault.kind === 'reset') {
      (req.socket as Socket).destroy();
      return;
    }
    if (rule?.fault.kind === 'error') {
      sendError(res, rule.fault.status, rule.fault.type, rule.fault.message);
      return;
    }
    if (rule?.fault.kind === 'refuse') {
      await this.#refuse(req, text, rule.fault.item, res);
      return;
    }
    const answer = await this.#forward(req, body);
    if (rule?.fault.kind === 'lostAnswer') {
      // The service did the work; the caller only learns that something went wrong.
      const { status, type, message } = internalError() as Extract<Fault, { kind: 'error' }>;
      sendError(res, status, type, message);
      return;
    }
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
  }

  #take(target: string, body: string): ActiveRule | undefined {
    for (const rule of this.#rules) {
      if (rule.remaining <= 0) continue;
      if (rule.target !== undefined && rule.target !== target) continue;
      if (rule.when && !rule.when(body)) continue;
      rule.remaining -= 1;
      return rule;
    }
    return undefined;
  }

  async #refuse(
    req: IncomingMessage,
    text: string,
    matches: (item: Record<string, unknown>) => boolean,
    res: ServerResponse,
  ): Promise<void> {
    type Put = { PutRequest: { Item: Record<string, unknown> } };
    const request = JSON.parse(text) as { RequestItems: Record<string, Put[]> };
    const kept: Record<string, Put[]> = {};
    const refused: Record<string, Put[]> = {};
    for (const [table, puts] of Object.entries(request.RequestItems)) {
      // Items travel in DynamoDB's JSON ({"S": "..."}): matched on their plain values.
      const plain = (put: Put) =>
        Object.fromEntries(
          Object.entries(put.PutRequest.Item).map(([k, v]) => [k, Object.values(v as object)[0]]),
        );
      const out = puts.filter((put) => matches(plain(put)));
      const rest = puts.filter((put) => !matches(plain(put)));
      if (out.length > 0) refused[table] = out;
      if (rest.length > 0) kept[table] = rest;
    }
    if (Object.keys(kept).length > 0) {
      const answer = await this.#forward(req, Buffer.from(JSON.stringify({ RequestItems: kept })));
      if (answer.status !== 200) {
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body);
        return;
      }
    }
    const body = JSON.stringify({ UnprocessedItems: refused });
    res.writeHead(200, {
      'Content-Type': 'application/x-amz-json-1.0',
      'Content-Length': Buffer.byteLength(body),
      'x-amzn-RequestId': crypto.randomUUID(),
    });
    res.end(body);
  }

  #forward(
    req: IncomingMessage,
    body: Buffer,
  ): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const headers = {
        ...req.headers,
        host: this.#upstream.host,
        'content-length': String(body.length),
      };
      const outgoing = request(
        {
          host: this.#upstream.hostname,
          port: this.#upstream.port,
          method: req.method,
          path: req.url,
          headers,
        },
        (upstream) => {
          const chunks: Buffer[] = [];
          upstream.on('data', (chunk: Buffer) => chunks.push(chunk));
          upstream.on('end', () =>
            resolve({
              status: upstream.statusCode ?? 502,
              headers: upstream.headers,
              body: Buffer.concat(chunks),
            }),
          );
          upstream.on('error', reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }
}

const sendError = (res: ServerResponse, status: number, type: string, message: string): void => {
  const body = JSON.stringify({ __type: type, message });
  res.writeHead(status, {
    'Content-Type': 'application/x-amz-json-1.0',
    'Content-Length': Buffer.byteLength(body),
    'x-amzn-RequestId': crypto.randomUUID(),
  });
  res.end(body);
};

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
