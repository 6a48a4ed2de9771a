import { afterEach, describe, expect, it } from 'vitest';
import { Queue, Worker } from 'bullmq';
import { fromObject, type RedisConfig } from '@app/config';
import { cleanupAfterEach, RedisSentinel, RedisServer, waitFor } from '@app/testing';
import { createRedis } from './redis-client.js';

const cleanups = cleanupAfterEach(afterEach);

function redisConfig(redis: Record<string, unknown>): RedisConfig {
  return fromObject({ version: '0.1', storage: { inmemory: {} }, redis }).redis;
}

describe('createRedis', () => {
  it('finds the master through Sentinel, and follows a failover to the replica', async () => {
    const master = await RedisServer.start();
    cleanups.push(() => master.stop());
    const replica = await RedisServer.start({ replicaOf: master.port });
    cleanups.push(() => replica.stop());
    const sentinel = await RedisSentinel.start(master.port, 'registry');
    cleanups.push(() => sentinel.stop());
    const config = redisConfig({ sentinels: [sentinel.addr], mastername: 'registry', prefix: 'sentinel-test' });

    const client = createRedis(config, 'worker');
    cleanups.push(() => void client.disconnect());
    // The killed master's connections report errors until the client follows the sentinel's answer.
    client.on('error', () => undefined);
    const queue = new Queue('jobs', { connection: client, prefix: config.prefix });
    cleanups.push(() => queue.close());
    const done: string[] = [];
    const worker = new Worker('jobs', async (job) => void done.push(job.name), {
      connection: client,
      prefix: config.prefix,
    });
    cleanups.push(() => worker.close(true));
    worker.on('error', () => undefined);
    queue.on('error', () => undefined);
    await queue.add('before', {});
    await waitFor(() => done.includes('before'), { what: 'the job added before the failover' });
    // Written on the master; the replica has it once replication caught up (WAIT), so the failover loses nothing.
    await waitFor(async () => (await client.wait(1, 500)) === 1, { what: 'the replica in sync' });

    await master.kill();
    await waitFor(async () => (await sentinel.masterPort('registry')) === replica.port, {
      timeout: 20_000,
      what: 'the sentinel promoting the replica',
    });
    await queue.add('after', {});
    await waitFor(() => done.includes('after'), { timeout: 20_000, what: 'the job added after the failover' });
    expect(done).toEqual(['before', 'after']);
  }, 60_000);

  it('refuses sentinels without a master name, naming the key', () => {
    expect(() => redisConfig({ sentinels: ['127.0.0.1:26379'] })).toThrow(/redis\.mastername/);
  });

  it('gives a producer an error at once when Redis is unreachable, and a worker waits for it', async () => {
    const server = await RedisServer.start();
    const config = redisConfig({ addr: server.addr });
    await server.stop();
    const producer = createRedis(config, 'producer');
    cleanups.push(() => void producer.disconnect());
    producer.on('error', () => undefined);
    await expect(producer.ping()).rejects.toThrow();
    const worker = createRedis(config, 'worker', { lazyConnect: true });
    cleanups.push(() => void worker.disconnect());
    worker.on('error', () => undefined);
    const answer = worker.ping();
    let settled = false;
    void answer.then(
      () => (settled = true),
      () => (settled = true),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(settled).toBe(false);
  });
});
