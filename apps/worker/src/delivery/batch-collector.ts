import { randomUUID } from 'node:crypto';
import type { Job, Queue, Worker } from 'bullmq';
import { jobEvents, type DeliveryJob } from '@app/queue';

const POLL_MS = 5;

/**
 * Unordered batch: more waiting jobs taken into `active` (each with its own lock token, `job.token`) until
 * they hold about `events` events, asked for several at once (as many as the events per job seen so far
 * suggest, starting from `perJob`) and again every few ms until `waitMs` has passed. The last job taken may
 * bring a few events more than asked: the caller splits envelopes at `batch.size`.
 */
export async function takeWaitingJobs(worker: Worker<DeliveryJob>, events: number, waitMs: number, perJob = 1): Promise<Job<DeliveryJob>[]> {
  const taken: Job<DeliveryJob>[] = [];
  let count = 0;
  const deadline = Date.now() + waitMs;
  while (count < events) {
    const average = taken.length > 0 ? count / taken.length : Math.max(1, perJob);
    const wanted = Math.max(1, Math.ceil((events - count) / average));
    const jobs = await Promise.all(Array.from({ length: wanted }, () => worker.getNextJob(randomUUID(), { block: false })));
    const found = jobs.filter((job): job is Job<DeliveryJob> => !!job);
    taken.push(...found);
    count += found.reduce((sum, job) => sum + jobEvents(job.data).length, 0);
    if (found.length === wanted) continue;
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return taken;
}

/**
 * Ordered batch: the next `count` jobs of the wait list (each holds at least one event), in queue order, read without being taken. They
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
