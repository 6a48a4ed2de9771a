import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { freePort, RedisServer, waitFor } from '@app/testing';
import { startRegistry, waitForHttp, type RegistryProcess } from '../support/index.js';

async function pushBlob(url: string, repository: string): Promise<string> {
  const content = randomBytes(2048);
  const digest = `sha256:${createHash('sha256').update(content).digest('hex')}`;
  const response = await fetch(`${url}/v2/${repository}/blobs/uploads/?digest=${digest}`, {
    method: 'POST',
    body: content,
    headers: { 'content-type': 'application/octet-stream' },
  });
  expect(response.status).toBe(201);
  return digest;
}

/** The value of one sample of the Prometheus text, or undefined. */
function sample(metrics: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of metrics.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const body = line.slice(name.length + 1, line.lastIndexOf('}'));
    if (Object.entries(labels).every(([key, value]) => body.includes(`${key}="${value}"`)))
      return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('debug listener: /debug/health and /metrics', () => {
  let redis: RedisServer;
  let registry: RegistryProcess;
  let debug: string;

  beforeAll(async () => {
    redis = await RedisServer.start();
    debug = `127.0.0.1:${await freePort()}`;
    registry = await startRegistry({
      config: {
        http: { debug: { addr: debug } },
        redis: { addr: redis.addr, prefix: `debug-${randomUUID()}` },
        storage: { filesystem: {}, cache: { blobdescriptor: 'redis' } },
      },
      ready: async (app) => {
        await waitForHttp(`http://${(app as RegistryProcess).addr}/v2/`);
        await waitForHttp(`http://${debug}/debug/health`);
      },
    });
  }, 60_000);
  afterAll(async () => {
    await registry?.dispose();
    await redis?.stop();
  });

  it('reports healthy storage and Redis with the version, and 503 naming Redis once it is down', async () => {
    const healthy = await fetch(`http://${debug}/debug/health`);
    expect(healthy.status).toBe(200);
    const report = (await healthy.json()) as {
      status: string;
      version: string;
      commit: string;
      checks: Record<string, { status: string }>;
    };
    expect(report).toMatchObject({
      status: 'ok',
      checks: { storagedriver_filesystem: { status: 'ok' }, redis: { status: 'ok' } },
    });
    expect(report.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(report.commit).toMatch(/^[0-9a-f]{7,}|unknown$/);

    await redis.kill();
    const sick = await fetch(`http://${debug}/debug/health`);
    expect(sick.status).toBe(503);
    const failing = (await sick.json()) as {
      status: string;
      checks: Record<string, { status: string; error?: string }>;
    };
    expect(failing.status).toBe('unavailable');
    expect(failing.checks.redis.status).toBe('failing');
    expect(failing.checks.storagedriver_filesystem.status).toBe('ok');

    await redis.restart();
    await waitFor(async () => (await fetch(`http://${debug}/debug/health`)).status === 200, { what: 'healthy again' });
  });

  it('counts requests by handler, method and code, times storage actions, and reports the cache hit ratio', async () => {
    const digest = await pushBlob(registry.url, 'metrics/app');
    for (let i = 0; i < 5; i++)
      expect((await fetch(`${registry.url}/v2/metrics/app/blobs/${digest}`, { method: 'HEAD' })).status).toBe(200);
    expect(
      (await fetch(`${registry.url}/v2/metrics/app/blobs/sha256:${'0'.repeat(64)}`, { method: 'HEAD' })).status,
    ).toBe(404);
    const metrics = await (await fetch(`http://${debug}/metrics`)).text();
    expect(sample(metrics, 'registry_http_requests_total', { handler: 'blob', method: 'HEAD', code: '200' })).toBe(5);
    expect(sample(metrics, 'registry_http_requests_total', { handler: 'blob', method: 'HEAD', code: '404' })).toBe(1);
    expect(
      sample(metrics, 'registry_http_requests_total', { handler: 'blob_upload', method: 'POST', code: '201' }),
    ).toBe(1);
    expect(sample(metrics, 'registry_http_request_duration_seconds_count', { handler: 'blob', method: 'HEAD' })).toBe(
      6,
    );
    expect(
      sample(metrics, 'registry_storage_action_seconds_count', { driver: 'filesystem', action: 'Stat' }),
    ).toBeGreaterThan(0);
    // HEAD answers from the descriptor: no blob is ever opened for reading.
    expect(
      sample(metrics, 'registry_storage_action_seconds_count', { driver: 'filesystem', action: 'Reader' }),
    ).toBeUndefined();
    expect(sample(metrics, 'registry_storage_cache_total', { type: 'Hit' })).toBeGreaterThanOrEqual(4);
    expect(metrics).toMatch(/^registry_storage_cache_hit_ratio \d/m);
  });
});
