import type { ServerResponse } from 'node:http';
import { HttpReceiver, waitFor, type ReceivedRequest } from '@app/testing';
import type { Envelope, Event } from '@app/events';

/** How the sink answers: 200 at once, never (the request hangs until the sender gives up), or not at all (port closed). */
export type SinkMode = 'ok' | 'stall' | 'down';

/**
 * A webhook endpoint on a fixed loopback port whose behaviour a test switches: answering, stalling, or
 * refusing connections (its listener closed) and back. Every request it ever took is kept, across the
 * receivers it ran on, so that "every event arrived at least once" is one look-up.
 */
export class WebhookSink {
  /** Every request taken, answered or not. */
  readonly requests: ReceivedRequest[] = [];
  /** The requests answered 200: what the sender saw delivered. */
  readonly delivered: ReceivedRequest[] = [];
  private receiver?: HttpReceiver;
  private modeNow: SinkMode = 'ok';
  private readonly stalled = new Map<ServerResponse, string[]>();
  /** Optional extra delay before a 200 (a slow but healthy endpoint). */
  delayMs = 0;

  private constructor(readonly port: number) {}

  static async start(mode: SinkMode = 'ok'): Promise<WebhookSink> {
    const first = await HttpReceiver.start();
    const sink = new WebhookSink(first.port);
    sink.attach(first);
    await sink.setMode(mode);
    return sink;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/events`;
  }

  get mode(): SinkMode {
    return this.modeNow;
  }

  /** Requests taken and not answered yet (attempts in flight at the sender). */
  get pending(): number {
    return this.stalled.size;
  }

  /** Event ids of the requests in flight. */
  pendingIds(): string[] {
    return [...this.stalled.values()].flat();
  }

  async setMode(mode: SinkMode): Promise<void> {
    this.modeNow = mode;
    if (mode !== 'stall') for (const response of this.stalled.keys()) response.destroy();
    if (mode !== 'stall') this.stalled.clear();
    if (mode === 'down' && this.receiver) {
      const receiver = this.receiver;
      this.receiver = undefined;
      await receiver.stop();
    }
    if (mode !== 'down' && !this.receiver) this.attach(await HttpReceiver.start(this.port));
  }

  /** Every event answered 200, in arrival order, duplicates included. */
  events(): Event[] {
    return this.delivered.flatMap((request) => (JSON.parse(request.body) as Envelope).events);
  }

  /** Ids of the events answered 200. */
  ids(): Set<string> {
    return new Set(this.events().map((event) => event.id));
  }

  /** How many times each event id arrived. */
  counts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const event of this.events()) counts.set(event.id, (counts.get(event.id) ?? 0) + 1);
    return counts;
  }

  /** First delivery time (ms) of each event id. */
  firstArrivals(): Map<string, number> {
    const arrivals = new Map<string, number>();
    for (const request of this.delivered) {
      for (const event of (JSON.parse(request.body) as Envelope).events)
        if (!arrivals.has(event.id)) arrivals.set(event.id, request.receivedAt);
    }
    return arrivals;
  }

  /** Resolves once every id has been delivered (answered 200); the error says how many are missing. */
  async waitForAll(ids: Iterable<string>, timeout = 40_000): Promise<void> {
    const wanted = [...ids];
    let missing = wanted.length;
    await waitFor(
      () => {
        const got = this.ids();
        missing = wanted.filter((id) => !got.has(id)).length;
        return missing === 0;
      },
      { timeout, interval: 50, what: `${wanted.length} events at ${this.url} (missing: ${missing})` },
    ).catch((error: Error) => {
      throw new Error(`${error.message}; missing ${missing} of ${wanted.length}`);
    });
  }

  async stop(): Promise<void> {
    this.modeNow = 'down';
    for (const response of this.stalled.keys()) response.destroy();
    this.stalled.clear();
    await this.receiver?.stop();
    this.receiver = undefined;
  }

  private attach(receiver: HttpReceiver): void {
    this.receiver = receiver;
    receiver.responder = (request, response) => this.answer(request, response);
  }

  private async answer(request: ReceivedRequest, response: ServerResponse): Promise<void> {
    this.requests.push(request);
    if (this.modeNow === 'stall') {
      this.stalled.set(
        response,
        (JSON.parse(request.body) as Envelope).events.map((event) => event.id),
      );
      response.once('close', () => this.stalled.delete(response));
      return;
    }
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    if (response.destroyed) return;
    response.writeHead(200).end();
    this.delivered.push(request);
  }
}
