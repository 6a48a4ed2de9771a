import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteKeys, freePort, testRedisClient, testRedisConfig, TEST_REDIS_ADDR } from '@app/testing';
import { startRegistry, type RegistryProcess } from '../support/index.js';

// The built registry (`npm run build` first) with http.debug.addr: the debug listener is its own server.

const keys = testRedisConfig();
const prefix = keys.redis.prefix;
let registry: RegistryProcess;
let debug: string;

beforeAll(async () => {
  debug = `127.0.0.1:${await freePort()}`;
  registry = await startRegistry({
    config: {
      http: { debug: { addr: debug, token: 'tok' } },
      redis: { addr: TEST_REDIS_ADDR, prefix },
      notifications: { endpoints: [{ name: 'hook', url: 'http://127.0.0.1:9/events' }] },
    },
  });
});

afterAll(async () => {
  await registry?.dispose();
  const redis = testRedisClient(keys);
  await deleteKeys(redis, prefix);
  await redis.quit();
});

describe('debug listener in the registry process', () => {
  it('serves /metrics with the delivery metrics and the admin API behind the token', async () => {
    const metrics = await fetch(`http://${debug}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await metrics.text()).toMatch(/registry_notifications_pending_total\{endpoint="hook"\} 0/);
    expect((await fetch(`http://${debug}/admin/endpoints`)).status).toBe(401);
    const endpoints = await fetch(`http://${debug}/admin/endpoints`, { headers: { authorization: 'Bearer tok' } });
    expect(endpoints.status).toBe(200);
    const body = (await endpoints.json()) as { endpoints: { name: string; state: { state: string } }[] };
    expect(body.endpoints).toMatchObject([{ name: 'hook', state: { state: 'healthy' } }]);
  });

  it('serves /debug/health and answers 404 elsewhere', async () => {
    const health = await fetch(`http://${debug}/debug/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', checks: { redis: { status: 'ok' } } });
    const nowhere = await fetch(`http://${debug}/v2/`);
    expect([nowhere.status, await nowhere.json()]).toEqual([404, { error: 'not found' }]);
  });

  it('is not the registry listener', async () => {
    expect((await fetch(`${registry.url}/metrics`)).status).toBe(404);
  });
});
