import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, tempDir } from '@app/testing';
import { digest, errorLogs, startTestRegistry, type TestRegistry } from './blobs-support.js';
import { firstError, ManifestClient } from './manifests-support.js';

// Storage that breaks must look broken: 503 UNAVAILABLE with a clear message (never an empty registry or a
// 500), the readiness check failing, the outage logged at error level (and so mailed) once.
describe('a broken store', () => {
  const dir = tempDir('outage-');
  const root = join(dir.path, 'root');
  let registry: TestRegistry;
  let client: ManifestClient;
  let debug: string;

  const errorLines = () => errorLogs(registry);

  beforeAll(async () => {
    debug = `127.0.0.1:${await freePort()}`;
    registry = await startTestRegistry({ root, config: { http: { debug: { addr: debug } } } });
    client = new ManifestClient(registry.url);
    await client.image('outage/app', 'v1');
  });
  afterAll(async () => {
    await registry?.close();
    dir.remove();
  });

  it('a missing storage root: 503 with a clear message on every route, the catalog included', async () => {
    expect(await (await client.call('/v2/_catalog')).json()).toEqual({ repositories: ['outage/app'] });
    rmSync(root, { recursive: true });
    for (const [method, path] of [
      ['GET', '/v2/_catalog'],
      ['GET', '/v2/outage/app/tags/list'],
      ['GET', '/v2/outage/app/manifests/v1'],
      ['GET', `/v2/outage/app/blobs/${digest('x')}`],
      ['POST', '/v2/outage/app/blobs/uploads/'],
      ['GET', '/v2/_catalog'],
    ]) {
      const response = await client.call(path, { method });
      expect(response.status, `${method} ${path}`).toBe(503);
      const error = await firstError(response);
      expect(error.code).toBe('UNAVAILABLE');
      expect(error.message).toBe('storage unavailable');
      expect(error.detail).toEqual({ reason: 'the filesystem storage driver failed: storage root is missing' });
    }
    expect(errorLogs(registry).some((line) => String(line.msg).includes('500'))).toBe(false);
  });

  it('the readiness check fails naming the storage; liveness still answers 200', async () => {
    const health = await fetch(`http://${debug}/debug/health`);
    expect(health.status).toBe(503);
    const report = (await health.json()) as {
      status: string;
      checks: Record<string, { status: string; error: string }>;
    };
    expect(report.status).toBe('unavailable');
    expect(report.checks.storagedriver_filesystem).toMatchObject({
      status: 'failing',
      error: 'the filesystem storage driver failed: storage root is missing',
    });
    expect((await fetch(`http://${debug}/debug/health/live`)).status).toBe(200);
  });

  it('the outage was logged at error level once (so mailed once); the requests after it as warnings', () => {
    const errors = errorLines();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ status: 503, msg: 'request failed with 503' });
    expect((errors[0].err as { message: string }).message).toBe(
      'storage unavailable (filesystem): storage root is missing',
    );
    expect(String(errors[0].cause)).toContain(root);
    const warned = registry.logs.filter((line) => line.level === 'warn' && line.msg === 'request failed with 503');
    expect(warned.length).toBeGreaterThanOrEqual(5);
  });

  it('once the root is back it serves again (and a store that errors on one path is 503 there)', async () => {
    mkdirSync(root);
    expect(await (await client.call('/v2/_catalog')).json()).toEqual({ repositories: [] });
    expect((await fetch(`http://${debug}/debug/health`)).status).toBe(200);
    expect(registry.logs.some((line) => line.msg === 'storage available again')).toBe(true);
    const started = await client.call('/v2/outage/again/blobs/uploads/', { method: 'POST' });
    expect(started.status).toBe(202);
    const uploads = join(root, 'docker/registry/v2/repositories/outage/again/_uploads');
    const [upload] = readdirSync(uploads);
    rmSync(join(uploads, upload, 'data'), { force: true });
    mkdirSync(join(uploads, upload, 'data'));
    const failed = await fetch(new URL(started.headers.get('location')!, registry.url), {
      method: 'PATCH',
      body: Buffer.from('some bytes'),
      headers: { 'content-type': 'application/octet-stream', 'content-range': '0-9' },
    });
    expect(failed.status).toBe(503);
    expect((await firstError(failed)).detail).toEqual({ reason: 'the filesystem storage driver failed: EISDIR' });
    expect(errorLines()).toHaveLength(2);
  });
});
