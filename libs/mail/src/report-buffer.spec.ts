import { describe, expect, it } from 'vitest';
import type { MailReport } from './mail-report.js';
import { ReportBuffer } from './report-buffer.js';

const report = (fingerprint: string): MailReport => ({ fingerprint, subject: fingerprint, text: '' });

describe('ReportBuffer', () => {
  it('turns a storm of identical reports into one hand-off with the count, without waiting in add', async () => {
    const calls: [string, number][] = [];
    const buffer = new ReportBuffer(async (r, count) => void calls.push([r.fingerprint, count]));
    for (let i = 0; i < 10_000; i++) buffer.add(report('same'));
    buffer.add(report('other'));
    expect(calls).toEqual([]);
    expect(await buffer.drain(1_000)).toBe(true);
    expect(calls).toEqual([
      ['same', 10_000],
      ['other', 1],
    ]);
  });

  it('keeps what the sink refused and retries it, counts merged', async () => {
    let up = false;
    const calls: [string, number][] = [];
    const buffer = new ReportBuffer(
      async (r, count) => {
        if (!up) throw new Error('redis down');
        calls.push([r.fingerprint, count]);
      },
      { retryDelay: 20, maxRetryDelay: 40 },
    );
    buffer.add(report('a'), 3);
    await new Promise((resolve) => setTimeout(resolve, 30));
    buffer.add(report('a'), 2);
    up = true;
    expect(await buffer.drain(2_000)).toBe(true);
    expect(calls).toEqual([['a', 5]]);
  });

  it('is bounded: fingerprints past the capacity are counted and handed off as one overflow report', async () => {
    const calls: [string, number][] = [];
    const buffer = new ReportBuffer(async (r, count) => void calls.push([r.fingerprint, count]), { capacity: 2 });
    for (const name of ['a', 'b', 'c', 'd', 'd']) buffer.add(report(name));
    expect(buffer.droppedCount).toBe(3);
    await buffer.drain(1_000);
    expect(calls).toEqual([
      ['a', 1],
      ['b', 1],
      ['buffer-overflow', 3],
    ]);
  });
});

describe('ReportBuffer pacing', () => {
  it('a steady stream (one error per millisecond for 600 ms) becomes a few hand-offs, not 600', async () => {
    const calls: number[] = [];
    const buffer = new ReportBuffer(async (_r, count) => void calls.push(count), { minInterval: 250 });
    const started = Date.now();
    let added = 0;
    while (Date.now() - started < 600) {
      buffer.add(report('steady'));
      added++;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await buffer.drain(1_000);
    expect(calls.reduce((sum, count) => sum + count, 0)).toBe(added);
    expect(calls.length).toBeLessThanOrEqual(5);
  });
});

describe('ReportBuffer.increment', () => {
  it('counts a fingerprint already held, and says so; refuses one not held', async () => {
    const calls: [string, number][] = [];
    const buffer = new ReportBuffer(async (r, count) => void calls.push([r.fingerprint, count]));
    expect(buffer.increment('x')).toBe(false);
    buffer.add(report('x'));
    expect(buffer.increment('x', 4)).toBe(true);
    await buffer.drain(1_000);
    expect(calls).toEqual([['x', 5]]);
  });
});
