import { afterAll, describe, expect, it } from 'vitest';
import { deleteKeys, testRedisClient, testRedisConfig } from '@app/testing';
import { DeliveryMetricsStore, LATENCY_BUCKETS, parseMetrics } from './delivery-metrics.js';

const config = testRedisConfig();
const prefix = config.redis.prefix;
const redis = testRedisClient(config);
const store = new DeliveryMetricsStore(redis, prefix);

afterAll(async () => {
  await deleteKeys(redis, prefix);
  await redis.quit();
});

describe('DeliveryMetricsStore', () => {
  it('reads zeroes for an endpoint that recorded nothing', async () => {
    const metrics = await store.read('quiet');
    expect(metrics).toMatchObject({ events: [], statuses: [], errors: 0, deadLettered: 0 });
    expect(metrics.latency).toEqual({ buckets: new Map(), sum: 0, count: 0 });
  });

  it('adds up counters by type and action, statuses, dead letters and internal errors', async () => {
    const tx = redis.multi();
    store.countEvents(tx, 'hook', 'Events', 'push', 3);
    store.countEvents(tx, 'hook', 'Events', 'pull');
    store.countEvents(tx, 'hook', 'Successes', 'push', 2);
    store.countEvents(tx, 'hook', 'Failures', 'push');
    store.recordDeadLettered(tx, 'hook', 1);
    store.recordResponses(tx, 'hook', [
      { status: 200, latencyMs: 3 },
      { status: 200, latencyMs: 4 },
      { status: 500, latencyMs: 40 },
    ]);
    await tx.exec();
    await store.recordInternalError('hook');
    await store.recordInternalError('hook');
    const metrics = await store.read('hook');
    const sorted = <T>(items: T[]) => [...items].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    expect(sorted(metrics.events)).toEqual(
      sorted([
        { type: 'Events', action: 'push', value: 3 },
        { type: 'Events', action: 'pull', value: 1 },
        { type: 'Successes', action: 'push', value: 2 },
        { type: 'Failures', action: 'push', value: 1 },
      ]),
    );
    expect(sorted(metrics.statuses)).toEqual([
      { code: 200, value: 2 },
      { code: 500, value: 1 },
    ]);
    expect(metrics).toMatchObject({ errors: 2, deadLettered: 1 });
  });

  it('puts each latency in its bucket (not cumulative), with the sum in seconds and the count', async () => {
    const tx = redis.multi();
    // No response (a timeout) still counts towards latency; past the last bound it is only in sum and count.
    store.recordResponses(tx, 'latency', [
      { latencyMs: 0.5 },
      { status: 204, latencyMs: 2 },
      { status: 204, latencyMs: 2.5 },
    ]);
    store.recordResponses(tx, 'latency', [{ status: 204, latencyMs: 60_000 }]);
    store.recordResponses(tx, 'latency', []);
    await tx.exec();
    const { latency, statuses } = await store.read('latency');
    expect([...latency.buckets.entries()].sort(([a], [b]) => a - b)).toEqual([
      [0.001, 1],
      [0.0025, 2],
    ]);
    expect(latency.count).toBe(4);
    expect(latency.sum).toBeCloseTo(60.005, 6);
    expect(statuses).toEqual([{ code: 204, value: 3 }]);
    expect(LATENCY_BUCKETS.at(-1)).toBe(10);
  });

  it('parses a hash field by field', () => {
    const parsed = parseMetrics({
      'Errors|delete': '4',
      'status|410': '1',
      errors: '0',
      'lat|0.5': '7',
      'lat|sum': '1.5',
    });
    expect(parsed.events).toEqual([{ type: 'Errors', action: 'delete', value: 4 }]);
    expect(parsed.statuses).toEqual([{ code: 410, value: 1 }]);
    expect(parsed.latency).toEqual({ buckets: new Map([[0.5, 7]]), sum: 1.5, count: 0 });
  });
});
