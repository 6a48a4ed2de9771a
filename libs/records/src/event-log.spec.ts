import { afterAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { Event, EventAction } from '@app/events';
import { deleteKeys, testRedisClient, testRedisConfig } from '@app/testing';
import { EventLog, type EventLogQuery } from './event-log.js';
import { RedisKeys } from './redis-keys.js';

const config = testRedisConfig();
const prefix = config.redis.prefix;
const redis = testRedisClient(config);
const log = new EventLog(redis, prefix, { events: 1000, maxage: 3_600_000 });

afterAll(async () => {
  await deleteKeys(redis, prefix);
  await redis.quit();
});

function event(action: EventAction, repository: string, actor?: string): Event {
  const request = { id: randomUUID(), addr: '', host: '', method: 'GET', useragent: 'test' };
  const target = { mediaType: 'application/vnd.oci.image.manifest.v1+json', repository, digest: 'sha256:00' };
  return {
    id: randomUUID(),
    timestamp: new Date().toISOString(),
    action,
    target,
    request,
    actor: actor ? { name: actor } : {},
    source: { addr: '', instanceID: 'i' },
  };
}

const logged = [
  event('push', 'team/api', 'alice'),
  event('pull', 'team/api', 'bob'),
  event('pull', 'team/web/ui', 'bob'),
  event('pull', 'other/tool'),
  event('delete', 'team/api', 'alice'),
];
const ids = (page: { events: Event[] }) => page.events.map((item) => item.id);
const query = (q: EventLogQuery) => log.query(q);

describe('EventLog', () => {
  it('appends events in order, one stream entry each, with their log ids', async () => {
    await log.append(logged.slice(0, 2));
    await log.append(logged.slice(2));
    expect(await redis.xlen(RedisKeys.eventLog(prefix))).toBe(5);
    const page = await query({});
    expect(ids(page)).toEqual(logged.map((item) => item.id));
    expect(page.next).toBeUndefined();
    expect(page.events[0]).toMatchObject({
      action: 'push',
      actor: { name: 'alice' },
      logId: expect.stringMatching(/^\d+-\d+$/),
    });
  });

  it('filters by action, repository glob and actor (empty: anonymous)', async () => {
    expect(ids(await query({ action: 'pull', actor: 'bob' }))).toEqual([logged[1]!.id, logged[2]!.id]);
    expect(ids(await query({ repository: 'team/api' }))).toEqual([logged[0]!.id, logged[1]!.id, logged[4]!.id]);
    expect(ids(await query({ repository: 'team/*' }))).toEqual([logged[0]!.id, logged[1]!.id, logged[4]!.id]);
    expect(ids(await query({ repository: 'team/**' }))).toEqual([0, 1, 2, 4].map((i) => logged[i]!.id));
    expect(ids(await query({ actor: '' }))).toEqual([logged[3]!.id]);
  });

  it('pages with a cursor and bounds by time', async () => {
    const first = await query({ limit: 2 });
    expect(ids(first)).toEqual([logged[0]!.id, logged[1]!.id]);
    const second = await query({ limit: 2, cursor: first.next });
    expect(ids(second)).toEqual([logged[2]!.id, logged[3]!.id]);
    expect(ids(await query({ limit: 2, cursor: second.next }))).toEqual([logged[4]!.id]);
    expect((await query({ from: Date.now() + 60_000 })).events).toEqual([]);
    expect((await query({ to: 0 })).events).toEqual([]);
  });

  it('skips entries it cannot read', async () => {
    await redis.xadd(RedisKeys.eventLog(prefix), '*', 'event', '{not json');
    await redis.xadd(RedisKeys.eventLog(prefix), '*', 'other', '{}');
    expect(ids(await query({}))).toEqual(logged.map((item) => item.id));
  });
});
