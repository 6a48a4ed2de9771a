import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@app/testing';
import {
  digest,
  errorCode,
  errorLogs,
  pathOf,
  randomBytes,
  rawRequest,
  startTestRegistry,
  type TestRegistry,
} from './blobs-support.js';

// Blob routes against the registry app (in this process, real HTTP on loopback) on both drivers.
describe.each(['filesystem', 'inmemory'])('blobs (%s driver)', (driver) => {
  let registry: TestRegistry;
  const data = randomBytes(100_000, 21);
  const call = (path: string, init: RequestInit = {}) =>
    fetch(`${registry.url}${path}`, { redirect: 'manual', ...init });
  const blobPath = (repo: string, d = digest(data)) => `/v2/${repo}/blobs/${d}`;

  beforeAll(async () => {
    registry = await startTestRegistry({ config: driver === 'inmemory' ? { storage: { inmemory: {} } } : {} });
    const pushed = await call(`/v2/blob/app/blobs/uploads/?digest=${digest(data)}`, { method: 'POST', body: data });
    expect(pushed.status).toBe(201);
  });
  afterAll(async () => {
    await registry?.close();
  });

  it('HEAD answers 200 with length, digest, type and Accept-Ranges, and no body', async () => {
    const response = await call(blobPath('blob/app'), { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(
      Object.fromEntries(
        ['content-length', 'docker-content-digest', 'content-type', 'accept-ranges'].map((h) => [
          h,
          response.headers.get(h),
        ]),
      ),
    ).toEqual({
      'content-length': String(data.length),
      'docker-content-digest': digest(data),
      'content-type': 'application/octet-stream',
      'accept-ranges': 'bytes',
    });
    expect(await response.text()).toBe('');
  });

  it('GET streams the content with the same headers', async () => {
    const response = await call(blobPath('blob/app'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe(String(data.length));
    expect(response.headers.get('docker-content-digest')).toBe(digest(data));
    expect(Buffer.from(await response.arrayBuffer()).equals(data)).toBe(true);
  });

  it('a blob is visible only in the repository it was pushed to (BLOB_UNKNOWN elsewhere)', async () => {
    for (const method of ['GET', 'HEAD']) expect((await call(blobPath('other/app'), { method })).status).toBe(404);
    const response = await call(blobPath('other/app'));
    expect(await errorCode(response)).toBe('BLOB_UNKNOWN');
    expect((await call(blobPath('blob/app', digest('unknown')))).status).toBe(404);
  });

  it('serves byte ranges with 206 and Content-Range', async () => {
    const cases: [string, number, number][] = [
      ['bytes=0-9', 0, 9],
      ['bytes=1000-', 1000, data.length - 1],
      ['bytes=-100', data.length - 100, data.length - 1],
      ['bytes=99990-200000', 99_990, data.length - 1],
    ];
    for (const [range, start, end] of cases) {
      const response = await call(blobPath('blob/app'), { headers: { range } });
      expect(response.status, range).toBe(206);
      expect(response.headers.get('content-range')).toBe(`bytes ${start}-${end}/${data.length}`);
      expect(response.headers.get('content-length')).toBe(String(end - start + 1));
      expect(Buffer.from(await response.arrayBuffer()).equals(data.subarray(start, end + 1)), range).toBe(true);
    }
  });

  it('an unsatisfiable or malformed range is 416 with Content-Range */size', async () => {
    for (const range of ['bytes=100000-', 'bytes=200000-300000', 'bytes=5-1', 'bytes=-0', 'bytes=x-y']) {
      const response = await call(blobPath('blob/app'), { headers: { range } });
      expect(response.status, range).toBe(416);
      expect(response.headers.get('content-range')).toBe(`bytes */${data.length}`);
      expect(await errorCode(response)).toBe('RANGE_INVALID');
    }
  });

  it('ignores ranges in other units or several ranges (whole blob, 200)', async () => {
    for (const range of ['items=0-1', 'bytes=0-1,5-6']) {
      const response = await call(blobPath('blob/app'), { headers: { range } });
      expect(response.status, range).toBe(200);
      expect(Number(response.headers.get('content-length'))).toBe(data.length);
      await response.arrayBuffer();
    }
  });

  it('answers If-None-Match with the digest ETag with 304', async () => {
    const first = await call(blobPath('blob/app'), { method: 'HEAD' });
    const etag = first.headers.get('etag')!;
    expect(etag).toBe(`"${digest(data)}"`);
    expect((await call(blobPath('blob/app'), { headers: { 'if-none-match': etag } })).status).toBe(304);
  });

  it('serves an empty blob', async () => {
    const empty = Buffer.alloc(0);
    expect((await call(`/v2/blob/empty/blobs/uploads/?digest=${digest(empty)}`, { method: 'POST' })).status).toBe(201);
    const response = await call(blobPath('blob/empty', digest(empty)));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe('0');
    expect(await response.text()).toBe('');
  });

  it('DELETE unlinks from that repository only (202), then the blob is 404 there and a second DELETE is 404', async () => {
    const other = randomBytes(5000, 22);
    for (const repo of ['del/a', 'del/b'])
      await call(`/v2/${repo}/blobs/uploads/?digest=${digest(other)}`, { method: 'POST', body: other });
    const deleted = await call(blobPath('del/a', digest(other)), { method: 'DELETE' });
    expect(deleted.status).toBe(202);
    expect((await call(blobPath('del/a', digest(other)), { method: 'HEAD' })).status).toBe(404);
    expect((await call(blobPath('del/b', digest(other)), { method: 'HEAD' })).status).toBe(200);
    const again = await call(blobPath('del/a', digest(other)), { method: 'DELETE' });
    expect(again.status).toBe(404);
    expect(await errorCode(again)).toBe('BLOB_UNKNOWN');
  });

  it('invalid repository names are NAME_INVALID (400) on every route', async () => {
    for (const name of ['UPPER/app', 'a..b', 'a/-b', 'x_', '-lead', 'a'.repeat(256)]) {
      for (const [method, path] of [
        ['GET', blobPath(name)],
        ['HEAD', blobPath(name)],
        ['DELETE', blobPath(name)],
        ['POST', `/v2/${name}/blobs/uploads/`],
        ['GET', `/v2/${name}/blobs/uploads/00000000-0000-4000-8000-000000000000`],
      ]) {
        const response = await call(path, { method });
        expect(response.status, `${method} ${path}`).toBe(400);
        if (method !== 'HEAD') expect(await errorCode(response)).toBe('NAME_INVALID');
      }
    }
  });

  it('malformed digests are DIGEST_INVALID (400)', async () => {
    for (const bad of [
      'sha256:abc',
      'sha256:' + 'G'.repeat(64),
      'md5:' + 'a'.repeat(32),
      'sha256',
      'sha512:' + 'a'.repeat(64),
      'sha256:..%2F..%2Fetc',
      'sha256:%00',
    ]) {
      const response = await call(`/v2/blob/app/blobs/${bad}`);
      expect(response.status, bad).toBe(400);
      expect(await errorCode(response)).toBe('DIGEST_INVALID');
    }
  });

  it('path traversal attempts get a 4xx, never a 500, and reach nothing', async () => {
    const attempts = [
      `/v2/../../etc/blobs/${digest(data)}`,
      `/v2/blob/../blob/app/blobs/${digest(data)}`,
      `/v2/blob%2F..%2F..%2Fapp/blobs/${digest(data)}`,
      `/v2/%2e%2e/blobs/uploads/`,
      `/v2/blob/app/blobs/uploads/..%2F..%2F..%2Fblobs`,
      `/v2/blob/app/blobs/sha256:${'a'.repeat(62)}%2F..`,
      `/v2/blob/app/blobs/%00`,
      `/v2/blob/app\\..\\x/blobs/${digest(data)}`,
    ];
    for (const path of attempts) {
      for (const method of ['GET', 'POST', 'PATCH', 'PUT', 'DELETE']) {
        const reply = await rawRequest(
          registry.url,
          `${method} ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
        );
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(reply)?.[1]);
        expect(status >= 400 && status < 500, `${method} ${path}: ${reply.split('\r\n')[0]}`).toBe(true);
      }
    }
    expect(errorLogs(registry)).toEqual([]);
  });

  it('an encoded slash in a name is the same name, not a way out of it', async () => {
    expect((await call(`/v2/blob%2fapp/blobs/${digest(data)}`, { method: 'HEAD' })).status).toBe(200);
    expect((await call(`/v2/blob%2f..%2fapp/blobs/${digest(data)}`, { method: 'HEAD' })).status).toBe(400);
  });
});

describe('blob delete disabled', () => {
  let registry: TestRegistry;

  beforeAll(async () => {
    registry = await startTestRegistry({ config: { storage: { inmemory: {}, delete: { enabled: false } } } });
  });
  afterAll(async () => {
    await registry?.close();
  });

  it('DELETE is 405 UNSUPPORTED and the blob stays', async () => {
    const data = randomBytes(100, 23);
    await fetch(`${registry.url}/v2/keep/app/blobs/uploads/?digest=${digest(data)}`, { method: 'POST', body: data });
    const response = await fetch(`${registry.url}/v2/keep/app/blobs/${digest(data)}`, { method: 'DELETE' });
    expect(response.status).toBe(405);
    expect(await errorCode(response)).toBe('UNSUPPORTED');
    expect((await fetch(`${registry.url}/v2/keep/app/blobs/${digest(data)}`, { method: 'HEAD' })).status).toBe(200);
  });
});

describe('read-only mode (storage.maintenance.readonly)', () => {
  it('serves blobs and refuses uploads, mounts and deletes with 405 UNSUPPORTED', async () => {
    const root = tempDir('readonly-root-');
    const data = randomBytes(1000, 24);
    const writable = await startTestRegistry({ root: root.path });
    const upload = (await fetch(`${writable.url}/v2/ro/app/blobs/uploads/`, { method: 'POST' })).headers.get(
      'location',
    )!;
    await fetch(`${writable.url}/v2/ro/app/blobs/uploads/?digest=${digest(data)}`, { method: 'POST', body: data });
    await writable.close();
    const registry = await startTestRegistry({
      root: root.path,
      config: { storage: { maintenance: { readonly: { enabled: true } } } },
    });
    try {
      const blob = `${registry.url}/v2/ro/app/blobs/${digest(data)}`;
      expect((await fetch(blob)).status).toBe(200);
      const refused = [
        await fetch(`${registry.url}/v2/ro/app/blobs/uploads/`, { method: 'POST' }),
        await fetch(`${registry.url}/v2/ro/other/blobs/uploads/?mount=${digest(data)}&from=ro/app`, { method: 'POST' }),
        await fetch(blob, { method: 'DELETE' }),
        await fetch(`${registry.url}${pathOf(upload)}`, { method: 'PATCH', body: 'x' }),
        await fetch(`${registry.url}${pathOf(upload)}?digest=${digest('')}`, { method: 'PUT' }),
      ];
      expect(refused.map((response) => response.status)).toEqual([405, 405, 405, 405, 405]);
      expect(await errorCode(refused[0])).toBe('UNSUPPORTED');
      expect((await fetch(`${registry.url}${pathOf(upload)}`)).status).toBe(204);
    } finally {
      await registry.close();
      root.remove();
    }
  });
});

describe('content removed behind a cached descriptor', () => {
  it('GET answers BLOB_UNKNOWN (404), not a 500', async () => {
    const root = tempDir('gc-root-');
    const registry = await startTestRegistry({
      root: root.path,
      config: { storage: { cache: { blobdescriptor: 'inmemory' } } },
    });
    try {
      const data = randomBytes(1000, 25);
      await fetch(`${registry.url}/v2/gc/app/blobs/uploads/?digest=${digest(data)}`, { method: 'POST', body: data });
      expect((await fetch(`${registry.url}/v2/gc/app/blobs/${digest(data)}`, { method: 'HEAD' })).status).toBe(200);
      const hex = digest(data).slice('sha256:'.length);
      rmSync(join(root.path, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex), { recursive: true });
      const response = await fetch(`${registry.url}/v2/gc/app/blobs/${digest(data)}`);
      expect(response.status).toBe(404);
      expect(await errorCode(response)).toBe('BLOB_UNKNOWN');
      expect(errorLogs(registry)).toEqual([]);
    } finally {
      await registry.close();
      root.remove();
    }
  });
});
