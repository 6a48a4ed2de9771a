import { afterAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { Event } from '@app/events';
import { deleteKeys, testRedisClient, testRedisConfig } from '@app/testing';
import { DeadLetterStore, type DeadLetterEntry } from './dead-letter-store.js';
import { DeliveryKeys } from './delivery-keys.js';

const config = testRedisConfig();
const prefix = config.redis.prefix;
const redis = testRedisClient(config);
const store = new DeadLetterStore(redis, prefix);

afterAll(async () => {
  await deleteKeys(redis, prefix);
  await redis.quit();
});

function event(): Event {
  const request = { id: randomUUID(), addr: '', host: '', method: 'PUT', useragent: 'test' };
  return {
    id: randomUUID(),
    timestamp: new Date().toISOString(),
    action: 'push',
    target: { repository: 'a/b' },
    request,
    actor: {},
    source: { addr: '', instanceID: 'i' },
  };
}

function entry(endpoint: string, at: number): DeadLetterEntry {
  return { endpoint, event: event(), reason: 'retries exhausted', at: new Date(at).toISOString(), attempts: [] };
}

async function addAll(endpoint: string, times: number[]): Promise<DeadLetterEntry[]> {
  const entries = times.map((at) => entry(endpoint, at));
  for (const item of entries) await store.add(item);
  return entries;
}

describe('DeadLetterStore', () => {
  it('lists entries oldest first, whatever order they were added in, and counts them', async () => {
    const [late, early] = await addAll('order', [2_000, 1_000]);
    expect(await store.count('order')).toBe(2);
    expect(await store.list('order')).toEqual([early, late]);
    expect(await store.count('elsewhere')).toBe(0);
    expect(await store.list('elsewhere')).toEqual([]);
  });

  it('selects by id (unknown ids skipped), by inclusive time range and up to a limit', async () => {
    const entries = await addAll('select', [1_000, 2_000, 3_000, 4_000]);
    const ids = (list: DeadLetterEntry[]) => list.map((item) => item.event.id);
    expect(ids(await store.list('select', { ids: [entries[2]!.event.id, 'nope'] }))).toEqual([entries[2]!.event.id]);
    expect(await store.list('select', { ids: [] })).toEqual([]);
    expect(ids(await store.list('select', { from: 2_000, to: 3_000 }))).toEqual(ids(entries.slice(1, 3)));
    expect(ids(await store.list('select', { from: 3_500 }))).toEqual(ids(entries.slice(3)));
    expect(ids(await store.list('select', { to: 1_000 }))).toEqual(ids(entries.slice(0, 1)));
    expect(ids(await store.list('select', { limit: 2 }))).toEqual(ids(entries.slice(0, 2)));
  });

  it('adding an event again replaces its entry', async () => {
    const [first] = await addAll('again', [1_000]);
    const again = { ...first!, reason: 'endpoint answered 410 Gone', at: new Date(5_000).toISOString() };
    await store.add(again);
    expect(await store.list('again')).toEqual([again]);
  });

  it('removes entries with the tries kept for them', async () => {
    const entries = await addAll('remove', [1_000, 2_000]);
    const tries = DeliveryKeys.tries(prefix, 'remove', entries[0]!.event.id);
    await redis.lpush(tries, '{}');
    await store.remove('remove', [entries[0]!.event.id]);
    expect(await store.list('remove')).toEqual([entries[1]]);
    expect(await redis.exists(tries)).toBe(0);
    await store.remove('remove', []);
    expect(await store.count('remove')).toBe(1);
  });
});
