import { afterEach, describe, expect, it } from 'vitest';
import { tempDir, waitFor } from '@app/testing';
import {
  abortedPatch,
  digest,
  errorLogs,
  pathOf,
  randomBytes,
  startTestRegistry,
  type TestRegistry,
} from './blobs-support.js';

// Uploads that outlive their requests: a registry restart between chunks (filesystem driver, so the new
// app has none of the old one's memory) and clients that disconnect in the middle of a body.
describe('upload resume', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function registryOn(root: string): Promise<TestRegistry> {
    const registry = await startTestRegistry({ root });
    cleanups.push(() => registry.close());
    return registry;
  }

  async function uploadStatus(registry: TestRegistry, upload: string): Promise<string | null> {
    const response = await fetch(`${registry.url}${upload}`);
    expect(response.status).toBe(204);
    return response.headers.get('range');
  }

  it('continues an upload after a restart: status from storage, digest re-hashed from the stored data', async () => {
    const root = tempDir('resume-root-');
    cleanups.push(() => root.remove());
    const data = randomBytes(3_000_000, 31);
    const first = await registryOn(root.path);
    const started = await fetch(`${first.url}/v2/resume/app/blobs/uploads/`, { method: 'POST' });
    const upload = pathOf(started.headers.get('location'));
    const patched = await fetch(`${first.url}${upload}`, {
      method: 'PATCH',
      body: data.subarray(0, 1_200_000),
      headers: { 'content-range': '0-1199999' },
    });
    expect(patched.status).toBe(202);
    await first.close();

    const second = await registryOn(root.path);
    expect(await uploadStatus(second, upload)).toBe('0-1199999');
    const next = await fetch(`${second.url}${upload}`, {
      method: 'PATCH',
      body: data.subarray(1_200_000, 2_000_000),
      headers: { 'content-range': '1200000-1999999' },
    });
    expect(next.headers.get('range')).toBe('0-1999999');
    const put = await fetch(`${second.url}${upload}?digest=${digest(data)}`, {
      method: 'PUT',
      body: data.subarray(2_000_000),
    });
    expect(put.status).toBe(201);
    const get = await fetch(`${second.url}/v2/resume/app/blobs/${digest(data)}`);
    expect(digest(Buffer.from(await get.arrayBuffer()))).toBe(digest(data));
  });

  it('a sha512 commit after a restart re-hashes the stored data with sha512', async () => {
    const root = tempDir('resume-root-');
    cleanups.push(() => root.remove());
    const data = randomBytes(500_000, 32);
    const first = await registryOn(root.path);
    const upload = pathOf(
      (await fetch(`${first.url}/v2/resume/sha512/blobs/uploads/`, { method: 'POST' })).headers.get('location'),
    );
    await fetch(`${first.url}${upload}`, { method: 'PATCH', body: data });
    await first.close();
    const second = await registryOn(root.path);
    const put = await fetch(`${second.url}${upload}?digest=${digest(data, 'sha512')}`, { method: 'PUT' });
    expect(put.status).toBe(201);
  });

  it("two registry processes over one storage continue each other's upload (stale live hash re-hashed)", async () => {
    const root = tempDirPath(cleanups);
    const [a, b] = [await registryOn(root), await registryOn(root)];
    const data = randomBytes(900_000, 35);
    const upload = pathOf(
      (await fetch(`${a.url}/v2/shared/app/blobs/uploads/`, { method: 'POST' })).headers.get('location'),
    );
    const parts: [TestRegistry, number, number][] = [
      [a, 0, 300_000],
      [b, 300_000, 600_000],
      [a, 600_000, 900_000],
    ];
    for (const [registry, from, to] of parts) {
      const response = await fetch(`${registry.url}${upload}`, {
        method: 'PATCH',
        body: data.subarray(from, to),
        headers: { 'content-range': `${from}-${to - 1}` },
      });
      expect(response.status).toBe(202);
    }
    const put = await fetch(`${a.url}${upload}?digest=${digest(data)}`, { method: 'PUT' });
    expect(put.status).toBe(201);
    const get = await fetch(`${b.url}/v2/shared/app/blobs/${digest(data)}`);
    expect(digest(Buffer.from(await get.arrayBuffer()))).toBe(digest(data));
  });

  it('a client that disconnects mid-PATCH: bytes kept, no error log, no 400, and the upload resumes', async () => {
    const registry = await registryOn(tempDirPath(cleanups));
    const data = randomBytes(1_000_000, 33);
    const upload = pathOf(
      (await fetch(`${registry.url}/v2/cut/app/blobs/uploads/`, { method: 'POST' })).headers.get('location'),
    );
    await abortedPatch(registry.url, upload, data.length, data.subarray(0, 300_000));
    const range = await waitFor(
      async () => {
        const current = await uploadStatus(registry, upload);
        return current === '0-299999' ? current : undefined;
      },
      { timeout: 5_000, what: 'the kept bytes in the upload status' },
    );
    expect(range).toBe('0-299999');
    const rest = await fetch(`${registry.url}${upload}`, {
      method: 'PATCH',
      body: data.subarray(300_000),
      headers: { 'content-range': `300000-${data.length - 1}` },
    });
    expect(rest.status).toBe(202);
    const put = await fetch(`${registry.url}${upload}?digest=${digest(data)}`, { method: 'PUT' });
    expect(put.status).toBe(201);
    const get = await fetch(`${registry.url}/v2/cut/app/blobs/${digest(data)}`);
    expect(digest(Buffer.from(await get.arrayBuffer()))).toBe(digest(data));

    expect(errorLogs(registry)).toEqual([]);
    const patches = registry.logs.filter(
      (line) => line.msg === 'response completed' && line['http.request.method'] === 'PATCH',
    );
    expect(patches.map((line) => line['http.response.status'])).toEqual([499, 202]);
  });

  it('a client that disconnects during the final PUT: nothing is committed, the bytes stay, a later PUT commits', async () => {
    const registry = await registryOn(tempDirPath(cleanups));
    const data = randomBytes(600_000, 34);
    const upload = pathOf(
      (await fetch(`${registry.url}/v2/cut/put/blobs/uploads/`, { method: 'POST' })).headers.get('location'),
    );
    await abortedPatch(registry.url, `${upload}?digest=${digest(data)}`, data.length, data.subarray(0, 200_000), 'PUT');
    await waitFor(async () => ((await uploadStatus(registry, upload)) === '0-199999' ? true : undefined), {
      timeout: 5_000,
      what: 'the kept bytes',
    });
    expect((await fetch(`${registry.url}/v2/cut/put/blobs/${digest(data)}`, { method: 'HEAD' })).status).toBe(404);
    const put = await fetch(`${registry.url}${upload}?digest=${digest(data)}`, {
      method: 'PUT',
      body: data.subarray(200_000),
    });
    expect(put.status).toBe(201);
    expect(errorLogs(registry)).toEqual([]);
  });
});

describe('blob download cut by the client', () => {
  it('ends quietly and the registry keeps serving', async () => {
    const registry = await startTestRegistry();
    try {
      const data = randomBytes(8_000_000, 36);
      await fetch(`${registry.url}/v2/cut/get/blobs/uploads/?digest=${digest(data)}`, { method: 'POST', body: data });
      const controller = new AbortController();
      const response = await fetch(`${registry.url}/v2/cut/get/blobs/${digest(data)}`, { signal: controller.signal });
      const reader = response.body!.getReader();
      await reader.read();
      controller.abort();
      await reader.read().catch(() => undefined);
      const again = await fetch(`${registry.url}/v2/cut/get/blobs/${digest(data)}`);
      expect(digest(Buffer.from(await again.arrayBuffer()))).toBe(digest(data));
      expect(errorLogs(registry)).toEqual([]);
    } finally {
      await registry.close();
    }
  });
});

function tempDirPath(cleanups: (() => void | Promise<void>)[]): string {
  const dir = tempDir('resume-root-');
  cleanups.push(() => dir.remove());
  return dir.path;
}

describe('long uploads', () => {
  it("are not cut by Node's default 5-minute request timeout", async () => {
    const registry = await startTestRegistry({ config: { storage: { inmemory: {} } } });
    try {
      expect(registry.server.requestTimeout).toBe(0);
    } finally {
      await registry.close();
    }
  });
});
