// How late the Huawei simulator's answers are against its configured latency, seen from its own
// side: a stand-in that shares an event loop with other work answers late, and the sweep's
// efficiency then charges the function for the stand-in's delay.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { mean, quantile } from './stats.js';

export interface Lateness {
  /** Answers measured (throttled ones, answered at once, are left out). */
  answers: number;
  meanMs: number;
  p99Ms: number;
  /**
   * How late the stand-ins' event loop ran (mean): a request that arrives while it is busy waits
   * that long before its headers are even parsed, which the answers' own times cannot show.
   */
  loopDelayMs: number;
}

interface ServerMessage {
  request: IncomingMessage;
  response: ServerResponse;
}

// Node's own HTTP server events: the simulator stays as the tests use it, and the time runs from
// the request's headers being parsed to its last byte being handed to the socket.
const START = 'http.server.request.start';
const FINISH = 'http.server.response.finish';
const THROTTLED = 429;
const NS_PER_MS = 1e6;
/** The loop monitor's timer period; its histogram holds whole periods, so this is taken off. */
const LOOP_RESOLUTION_MS = 5;

export class UpstreamLateness {
  readonly #port: number;
  readonly #started = new WeakMap<ServerResponse, number>();
  #elapsedMs: number[] = [];
  #latencyMs = 0;
  readonly #loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });

  constructor(baseUrl: string) {
    this.#port = Number(new URL(baseUrl).port);
    this.#loop.enable();
    subscribe(START, this.#onStart);
    subscribe(FINISH, this.#onFinish);
  }

  /** Starts a new measurement against this configured latency. */
  reset(latencyMs: number): void {
    this.#elapsedMs = [];
    this.#latencyMs = latencyMs;
    this.#loop.reset();
  }

  /** Lateness of every answer since reset(): its time in the simulator minus the latency. */
  summary(): Lateness {
    const late = this.#elapsedMs.map((elapsed) => elapsed - this.#latencyMs);
    return {
      answers: late.length,
      meanMs: mean(late),
      p99Ms: quantile(late, 0.99),
      loopDelayMs: this.#loop.mean / NS_PER_MS - LOOP_RESOLUTION_MS,
    };
  }

  stop(): void {
    this.#loop.disable();
    unsubscribe(START, this.#onStart);
    unsubscribe(FINISH, this.#onFinish);
  }

  #ours = (message: ServerMessage): boolean => message.request.socket.localPort === this.#port;

  #onStart = (message: unknown): void => {
    const m = message as ServerMessage;
    if (this.#ours(m)) this.#started.set(m.response, performance.now());
  };

  #onFinish = (message: unknown): void => {
    const m = message as ServerMessage;
    const started = this.#started.get(m.response);
    if (started === undefined || m.response.statusCode === THROTTLED) return;
    this.#elapsedMs.push(performance.now() - started);
  };
}
