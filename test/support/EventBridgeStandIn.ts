// Local Amazon EventBridge (PutEvents only, JSON 1.1) for the real SDK client, with fault injection.
import { randomUUID } from 'node:crypto';
import { AwsError, AwsJsonServer, type InjectedError } from '../../local/awsJsonServer.js';

export interface PutEntry {
  Source: string;
  DetailType: string;
  Detail: string;
  EventBusName?: string;
  Time?: number;
}

export class EventBridgeStandIn {
  /** Every entry accepted, in order. */
  readonly events: PutEntry[] = [];
  readonly #server: AwsJsonServer;
  readonly #entryFaults: { predicate: (entry: PutEntry) => boolean; remaining: number }[] = [];

  private constructor(server: AwsJsonServer) {
    this.#server = server;
  }

  static async start(): Promise<EventBridgeStandIn> {
    let instance: EventBridgeStandIn | undefined;
    const server = await AwsJsonServer.start({
      targetPrefix: 'AWSEvents',
      contentType: 'application/x-amz-json-1.1',
      renderError: (error) => ({ body: { __type: error.type, message: error.message } }),
      dispatch: (operation, input) => instance!.#dispatch(operation, input),
    });
    instance = new EventBridgeStandIn(server);
    return instance;
  }

  get endpoint(): string {
    return this.#server.endpoint;
  }

  get calls() {
    return this.#server.calls;
  }

  /** The details of the accepted events, parsed. */
  get details(): Record<string, unknown>[] {
    return this.events.map((event) => JSON.parse(event.Detail) as Record<string, unknown>);
  }

  fail(operation: string, error: InjectedError, times?: number): void {
    this.#server.fail(operation, error, times);
  }

  /** The next `times` matching entries are refused with an ErrorCode, as PutEvents does. */
  failEntries(predicate: (entry: PutEntry) => boolean, times = Number.POSITIVE_INFINITY): void {
    this.#entryFaults.push({ predicate, remaining: times });
  }

  reset(): void {
    this.events.length = 0;
    this.#entryFaults.length = 0;
    this.#server.reset();
  }

  stop(): Promise<void> {
    return this.#server.stop();
  }

  #dispatch(operation: string, input: Record<string, unknown>): unknown {
    if (operation !== 'PutEvents') throw new AwsError('UnknownOperationException', operation);
    const entries = (input['Entries'] ?? []) as PutEntry[];
    if (entries.length === 0 || entries.length > 10) {
      throw new AwsError('ValidationException', 'PutEvents takes 1 to 10 entries');
    }
    let failed = 0;
    const answers = entries.map((entry) => {
      const fault = this.#entryFaults.find((f) => f.remaining > 0 && f.predicate(entry));
      if (fault) {
        fault.remaining -= 1;
        failed += 1;
        return { ErrorCode: 'InternalFailure', ErrorMessage: 'injected' };
      }
      this.events.push(entry);
      return { EventId: randomUUID() };
    });
    return { FailedEntryCount: failed, Entries: answers };
  }
}
