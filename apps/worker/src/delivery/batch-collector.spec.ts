import { afterEach, describe, expect, it, vi } from 'vitest';
import { JobBatcher } from './batch-collector.js';

/** Items are event counts; an attempt answers each item with its batch number and the batch's items. */
function batcher(size: number, waitMs: number) {
  const attempts: number[][] = [];
  const subject = new JobBatcher<number, string>(
    size,
    waitMs,
    (events) => events,
    async (items) => {
      attempts.push(items);
      return items.map((item) => `${attempts.length}:${item}`);
    },
  );
  return { subject, attempts };
}

describe('JobBatcher', () => {
  afterEach(() => vi.useRealTimers());

  it('attempts at once when the items reach the size, and answers each item', async () => {
    const { subject, attempts } = batcher(5, 60_000);
    const results = await Promise.all([subject.submit(2), subject.submit(1), subject.submit(3)]);
    expect(attempts).toEqual([[2, 1, 3]]);
    expect(results).toEqual(['1:2', '1:1', '1:3']);
  });

  it('attempts a partial batch once the wait has passed since its first item', async () => {
    vi.useFakeTimers();
    const { subject, attempts } = batcher(10, 50);
    const first = subject.submit(1);
    await vi.advanceTimersByTimeAsync(30);
    const second = subject.submit(2);
    expect(attempts).toEqual([]);
    await vi.advanceTimersByTimeAsync(20);
    expect(attempts).toEqual([[1, 2]]);
    await expect(Promise.all([first, second])).resolves.toEqual(['1:1', '1:2']);
    // The next item starts a new batch with a wait of its own.
    const third = subject.submit(4);
    await vi.advanceTimersByTimeAsync(50);
    await expect(third).resolves.toBe('2:4');
  });

  it('with size 1 attempts every item alone, at once', async () => {
    const { subject, attempts } = batcher(1, 60_000);
    await Promise.all([subject.submit(3), subject.submit(1)]);
    expect(attempts).toEqual([[3], [1]]);
  });

  it("rejects every item of a batch whose attempt failed", async () => {
    const subject = new JobBatcher<number, string>(2, 60_000, () => 1, () => Promise.reject(new Error('redis down')));
    const results = await Promise.allSettled([subject.submit(1), subject.submit(1)]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
  });
});
