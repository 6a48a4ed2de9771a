import { randomUUID } from 'node:crypto';
import type { Job, Queue, Worker } from 'bullmq';
import type { DeliveryJob } from '@app/queue';

const POLL_MS = 5;

/**
 * Unordered batch: up to `count` more waiting jobs taken into `active` (each with its own lock token,
 * `job.token`), asked for all at once and again every few ms until `waitMs` has passed.
 */
export async function takeWaitingJobs(worker: Worker<DeliveryJob>, count: number, waitMs: number): Promise<Job<DeliveryJob>[]> {
  const taken: Job<DeliveryJob>[] = [];
  const deadline = Date.now() + waitMs;
  while (taken.length < count) {
    const wanted = count - taken.length;
    const jobs = await Promise.all(Array.from({ length: wanted }, () => worker.getNextJob(randomUUID(), { block: false })));
    const found = jobs.filter((job): job is Job<DeliveryJob> => !!job);
    taken.push(...found);
    if (found.length === wanted) continue;
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return taken;
}

/**
 * Ordered batch: the next `count` jobs of the wait list, in queue order, read without being taken. They
 * are safe from other workers while the batch's first job is active, because an ordered queue's global
 * concurrency is 1 (nothing else moves to `active`); once delivered they are removed, otherwise they simply
 * stay first in line behind the head job, which carries the retry schedule.
 */
export async function peekWaitingJobs(queue: Queue<DeliveryJob>, count: number, waitMs: number): Promise<Job<DeliveryJob>[]> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    // Oldest first: the order in which workers would take them.
    const jobs = await queue.getWaiting(0, count - 1);
    if (jobs.length >= count || Date.now() >= deadline) return jobs.filter((job) => !!job);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
