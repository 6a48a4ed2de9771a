import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { formatRfc3339Nano, systemNanoClock, type Event } from '@app/events';
import { deliveryReplayJobId } from '@app/queue';
import { DeadLetterStore, type DeadLetterSelector } from '../dead-letter-store.js';
import { AdminOptions } from './admin-options.js';
import { AdminQueues } from './admin-queues.js';

/** Jobs added at once by a replay (one command each, pipelined by the client). */
const REPLAY_CHUNK = 100;

/** Puts events into an endpoint's queue on an operator's word: dead letters again, or a test event. */
@Injectable()
export class Redelivery {
  constructor(
    private readonly queues: AdminQueues,
    private readonly deadLetters: DeadLetterStore,
    private readonly options: AdminOptions,
  ) {}

  /**
   * Re-enqueues the selected dead letters: the same event (so the same event id and `webhook-id` for the
   * receiver), a new job id (`deliveryReplayJobId`) so that BullMQ takes it although the original job may
   * still be kept, and a fresh retry schedule. Entries leave the set once enqueued (an event that fails
   * again comes back with its new attempts). Returns the replayed event ids, oldest first.
   */
  async replay(endpoint: string, selector: DeadLetterSelector): Promise<string[]> {
    const entries = await this.deadLetters.list(endpoint, selector);
    const at = Date.now();
    for (let start = 0; start < entries.length; start += REPLAY_CHUNK) {
      const chunk = entries.slice(start, start + REPLAY_CHUNK);
      await Promise.all(
        chunk.map(({ event }) => this.queues.enqueue(endpoint, [event], deliveryReplayJobId(event.id, at))),
      );
    }
    const ids = entries.map(({ event }) => event.id);
    await this.deadLetters.remove(endpoint, ids);
    return ids;
  }

  /** Enqueues a synthetic `push` of repository `test/webhook` for one endpoint; returns it. */
  async test(endpoint: string, actor: string): Promise<Event> {
    const event = testEvent(this.options.eventSource, actor);
    await this.queues.enqueue(endpoint, [event]);
    return event;
  }
}

export function testEvent(source: Event['source'], actor: string): Event {
  return {
    id: randomUUID(),
    timestamp: formatRfc3339Nano(systemNanoClock()),
    action: 'push',
    target: { mediaType: 'application/vnd.oci.image.manifest.v1+json', repository: 'test/webhook', tag: 'test' },
    request: { id: randomUUID(), addr: '', host: '', method: 'POST', useragent: 'registry-admin-api' },
    actor: { name: actor },
    source,
  };
}
