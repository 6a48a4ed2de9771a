import type { Queue } from 'bullmq';
import { addDeliveryJob, deliveryReplayJobId, type DeliveryJob } from '@app/queue';
import type { DeadLetterSelector, DeadLetterStore } from './dead-letter-store.js';

/**
 * Puts dead-lettered events of one endpoint back in its queue (the admin API's replay): same event, so the
 * same event id and `webhook-id` for the receiver; a new job id so BullMQ takes it although the original
 * job is still kept; a fresh retry schedule. Entries leave the dead-letter set once enqueued (an event
 * that fails again comes back with its new attempts). Returns the replayed event ids.
 */
export async function replayDeadLetters(store: DeadLetterStore, queue: Queue<DeliveryJob>, endpoint: string, selector: DeadLetterSelector): Promise<string[]> {
  const entries = await store.list(endpoint, selector);
  if (entries.length === 0) return [];
  const now = Date.now();
  await Promise.all(entries.map(({ event }) => addDeliveryJob(queue, [event], deliveryReplayJobId(event.id, now))));
  const ids = entries.map(({ event }) => event.id);
  await store.remove(endpoint, ids);
  return ids;
}
