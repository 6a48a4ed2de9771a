import { setTimeout as sleep } from 'node:timers/promises';
import type { Pending } from './ordering.js';

export interface BatchOptions {
  /** `batch.size`: events per envelope at most. */
  size: number;
  /** `batch.wait` (ms): how long a lane with fewer events waits for more before it sends. */
  wait: number;
}

/**
 * The head of a lane as one envelope: its first `size` events, after waiting up to `wait` when fewer are
 * there (only when batching: `size` > 1). The events stay in the lane until they are settled.
 */
export async function takeEnvelope(lane: readonly Pending[], { size, wait }: BatchOptions): Promise<Pending[]> {
  if (size > 1 && wait > 0 && lane.length < size) await sleep(wait);
  return lane.slice(0, size);
}
