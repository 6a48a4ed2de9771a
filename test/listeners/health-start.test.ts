import { afterAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { freePort } from '@app/testing';
import { startRegistry, type RegistryProcess } from '../support/index.js';

// The built registry as a process, Redis configured: the very first /debug/health, asked as soon as /v2/
// answers (the default readiness of startRegistry), is 200; liveness is a route of its own.
describe('health right after start', () => {
  let registry: RegistryProcess | undefined;
  afterAll(async () => {
    await registry?.dispose();
  });

  it('the first readiness probe, as soon as /v2/ answers, is 200 (not a 503 from Redis); liveness is 200', async () => {
    const debug = `127.0.0.1:${await freePort()}`;
    registry = await startRegistry({
      config: { http: { debug: { addr: debug } }, redis: { addr: '127.0.0.1:6379', prefix: `health-${randomUUID()}` } },
    });
    const first = await fetch(`http://${debug}/debug/health`);
    const report = (await first.json()) as { status: string; checks: Record<string, { status: string }> };
    expect(first.status, JSON.stringify(report)).toBe(200);
    expect(report.checks.redis.status).toBe('ok');
    expect(report.checks.storagedriver_filesystem.status).toBe('ok');
    const live = await fetch(`http://${debug}/debug/health/live`);
    expect(live.status).toBe(200);
    expect(await live.json()).toMatchObject({ status: 'ok' });
  });
});
