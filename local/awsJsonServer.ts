// Shared plumbing of the AWS JSON-protocol stand-ins: HTTP server, target dispatch, fault injection.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './listenOnLoopback.js';

export interface InjectedError {
  /** The error's code, e.g. `ThrottlingException`; becomes `__type` and `x-amzn-errortype`. */
  type: string;
  /** HTTP status; 400 unless given. */
  status?: number;
  message?: string;
}

/** A failure an operation raises on purpose; the server turns it into an AWS error response. */
export class AwsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export interface AwsJsonServerOptions {
  /** `secretsmanager` or `AmazonSQS`: the part of X-Amz-Target before the dot. */
  targetPrefix: string;
  contentType: string;
  /** Turns an error into its body and extra headers, for protocols with their own conventions. */
  renderError: (error: AwsError) => {
    body: Record<string, unknown>;
    headers?: Record<string, string>;
  };
  dispatch: (operation: string, input: Record<string, unknown>, req: IncomingMessage) => unknown;
}

interface PendingFailure {
  error: InjectedError;
  remaining: number;
}

// Big enough for any request the SDKs send here (SQS batches are at most 1 MiB).
const MAX_REQUEST_BYTES = 8 * 1024 * 1024;

export class AwsJsonServer {
  /** Wait before answering each call (the benchmark's SQS at 5 ms a call); 0: answer at once. */
  latencyMs = 0;
  readonly endpoint: string;
  readonly calls: { operation: string; input: Record<string, unknown> }[] = [];
  readonly #server: Server;
  readonly #failures = new Map<string, PendingFailure[]>();

  private constructor(server: Server, endpoint: string) {
    this.#server = server;
    this.endpoint = endpoint;
  }

  static async start(options: AwsJsonServerOptions): Promise<AwsJsonServer> {
    const server = createServer({ keepAliveTimeout: 30_000 });
    const instance = new AwsJsonServer(server, await listenOnLoopback(server));
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      instance.#handle(options, req, res).catch(() => res.destroy());
    });
    return instance;
  }

  fail(operation: string, error: InjectedError, times = Number.POSITIVE_INFINITY): void {
    const queue = this.#failures.get(operation) ?? [];
    queue.push({ error, remaining: times });
    this.#failures.set(operation, queue);
  }

  reset(): void {
    this.calls.length = 0;
    this.#failures.clear();
  }

  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    // SDK clients keep sockets alive; without this close() waits for their idle timeout.
    this.#server.closeAllConnections();
    await closed;
  }

  #takeFailure(operation: string): InjectedError | undefined {
    const queue = this.#failures.get(operation);
    const pending = queue?.[0];
    if (!queue || !pending) return undefined;
    pending.remaining -= 1;
    if (pending.remaining <= 0) queue.shift();
    return pending.error;
  }

  async #handle(
    options: AwsJsonServerOptions,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const requestId = randomUUID();
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      const text = JSON.stringify(body);
      res.writeHead(status, {
        'Content-Type': options.contentType,
        'Content-Length': Buffer.byteLength(text),
        'x-amzn-RequestId': requestId,
        ...headers,
      });
      res.end(text);
    };
    const sendError = (error: AwsError) => {
      const rendered = options.renderError(error);
      send(error.status, rendered.body, { 'x-amzn-errortype': error.type, ...rendered.headers });
    };

    const raw = await readBody(req);
    if (raw === undefined) {
      return sendError(new AwsError('RequestEntityTooLarge', 'Request body too large.', 413));
    }
    const target = String(req.headers['x-amz-target'] ?? '');
    const [prefix, operation] = target.split('.');
    if (req.method !== 'POST' || prefix !== options.targetPrefix || !operation) {
      return sendError(
        new AwsError('UnknownOperationException', `Unknown operation target '${target}'.`),
      );
    }
    let input: Record<string, unknown>;
    try {
      const parsed: unknown = raw === '' ? {} : JSON.parse(raw);
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('shape');
      input = parsed as Record<string, unknown>;
    } catch {
      return sendError(
        new AwsError('SerializationException', 'Request body is not a JSON object.'),
      );
    }

    this.calls.push({ operation, input });
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    const injected = this.#takeFailure(operation);
    if (injected) {
      return sendError(
        new AwsError(
          injected.type,
          injected.message ?? `Injected ${injected.type} for ${operation}.`,
          injected.status ?? 400,
        ),
      );
    }
    try {
      send(200, options.dispatch(operation, input, req));
    } catch (error) {
      if (error instanceof AwsError) return sendError(error);
      const message = error instanceof Error ? error.message : String(error);
      return sendError(new AwsError('InternalFailure', `Stand-in failure: ${message}`, 500));
    }
  }
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_REQUEST_BYTES) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A required string parameter; otherwise the given AWS error type, as the service would answer. */
export function requireString(
  input: Record<string, unknown>,
  name: string,
  errorType = 'InvalidParameterException',
): string {
  const value = input[name];
  if (typeof value !== 'string' || value === '') {
    throw new AwsError(errorType, `Parameter ${name} is required and must be a non-empty string.`);
  }
  return value;
}

/** An optional integer parameter within bounds. */
export function optionalInt(
  input: Record<string, unknown>,
  name: string,
  bounds: { min: number; max: number; fallback: number },
  errorType = 'InvalidParameterException',
): number {
  const value = input[name];
  if (value === undefined || value === null) return bounds.fallback;
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < bounds.min ||
    value > bounds.max
  ) {
    throw new AwsError(
      errorType,
      `Parameter ${name} must be an integer from ${bounds.min} to ${bounds.max}.`,
    );
  }
  return value;
}
