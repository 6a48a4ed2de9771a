import { describe, expect, it } from 'vitest';
import { ActiveJobs } from './active-jobs.js';

describe('ActiveJobs', () => {
  const batched = { concurrency: 16, batch: { size: 100 } };

  it('holds two envelopes of one-event jobs at first, and never fewer jobs than connections', () => {
    expect(new ActiveJobs(batched).count).toBe(200);
    expect(new ActiveJobs({ concurrency: 16, batch: { size: 1 } }).count).toBe(16);
    expect(new ActiveJobs({ concurrency: 4, batch: { size: 1 } }).expect(100)).toBe(4);
  });

  it('keeps (concurrency + 1) envelopes of events in hand as jobs grow, within its bounds', () => {
    const active = new ActiveJobs(batched);
    expect(active.expect(100)).toBe(17);
    expect(active.expect(8)).toBe(200); // 1700 events in jobs of 8 would be 213: capped at 2 × batch.size
    expect(active.expect(50)).toBe(34);
    expect(new ActiveJobs({ concurrency: 16, batch: { size: 1000 } }).count).toBe(1000);
  });

  it('follows the events per job it sees, weighting the newest', () => {
    const active = new ActiveJobs(batched);
    active.expect(100);
    const counts = Array.from({ length: 30 }, () => active.observe(8));
    expect(counts[0]).toBeGreaterThan(17);
    expect(counts[0]).toBeLessThan(200);
    expect(counts.at(-1)).toBe(200);
    for (let index = 1; index < counts.length; index++) expect(counts[index]).toBeGreaterThanOrEqual(counts[index - 1]!);
    expect(active.observe(0)).toBeLessThanOrEqual(200);
  });
});
