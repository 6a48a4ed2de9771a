import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { startRegistry, type RegistryProcess } from '../support/index.js';

const CHUNK = 64 * 1024;

/** PATCHes `chunks` chunks of 64 KiB, one every `interval` ms; resolves with the answer (or rejects when cut). */
function slowPatch(url: string, chunks: number, interval: number): Promise<{ status: number; range?: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'PATCH', headers: { 'content-type': 'application/octet-stream' }, agent: false },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, range: res.headers.range }));
      },
    );
    req.on('error', reject);
    let sent = 0;
    const timer = setInterval(() => {
      if (req.destroyed) return clearInterval(timer);
      req.write(Buffer.alloc(CHUNK, sent));
      sent += 1;
      if (sent === chunks) {
        clearInterval(timer);
        req.end();
      }
    }, interval);
  });
}

async function startUpload(registry: RegistryProcess, repository: string): Promise<string> {
  const response = await fetch(`${registry.url}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
  expect(response.status).toBe(202);
  return new URL(response.headers.get('location')!, registry.url).toString();
}

describe('http.draintimeout: graceful shutdown on SIGTERM', () => {
  let registry: RegistryProcess | undefined;
  afterEach(async () => {
    await registry?.dispose();
    registry = undefined;
  });

  it('lets an upload in flight finish, takes no new connection, then exits 0', async () => {
    registry = await startRegistry({ config: { log: { level: 'info' }, http: { draintimeout: '10s' } } });
    const location = await startUpload(registry, 'drain/app');
    const patch = slowPatch(location, 15, 100);
    await new Promise((resolve) => setTimeout(resolve, 300));
    process.kill(registry.pid!, 'SIGTERM');
    await registry.waitForOutput('shutting down');
    await expect(fetch(`${registry.url}/v2/`)).rejects.toThrow();
    const answer = await patch;
    expect(answer.status).toBe(202);
    expect(answer.range).toBe(`0-${15 * CHUNK - 1}`);
    expect(await registry.stop()).toBe(0);
  });

  it('cuts what is still running once the drain timeout is over, then exits 0', async () => {
    registry = await startRegistry({ config: { log: { level: 'info' }, http: { draintimeout: '300ms' } } });
    const location = await startUpload(registry, 'drain/cut');
    const patch = slowPatch(location, 100, 100);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    process.kill(registry.pid!, 'SIGTERM');
    await expect(patch).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(await registry.stop()).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(registry.output).toMatch(/drain timeout reached/);
  });
});
