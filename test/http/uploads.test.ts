import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  digest,
  errorCode,
  errorLogs,
  pathOf,
  randomBytes,
  startTestRegistry,
  type TestRegistry,
} from './blobs-support.js';

// Upload routes against the registry app (in this process, real HTTP on loopback) on both drivers.
describe.each(['filesystem', 'inmemory'])('uploads (%s driver)', (driver) => {
  let registry: TestRegistry;
  const call = (path: string, init: RequestInit = {}) =>
    fetch(`${registry.url}${path}`, { redirect: 'manual', ...init });
  const start = async (repo: string) => {
    const response = await call(`/v2/${repo}/blobs/uploads/`, { method: 'POST' });
    expect(response.status).toBe(202);
    return pathOf(response.headers.get('location'));
  };

  beforeAll(async () => {
    registry = await startTestRegistry({ config: driver === 'inmemory' ? { storage: { inmemory: {} } } : {} });
  });
  afterAll(async () => {
    await registry?.close();
  });

  it('POST starts an upload: 202, absolute Location, Range 0-0, upload UUID, empty body', async () => {
    const response = await call('/v2/library/app/blobs/uploads/', { method: 'POST' });
    expect(response.status).toBe(202);
    const location = response.headers.get('location')!;
    const id = response.headers.get('docker-upload-uuid')!;
    expect(location).toBe(`${registry.url}/v2/library/app/blobs/uploads/${id}`);
    expect(response.headers.get('range')).toBe('0-0');
    expect(response.headers.get('content-length')).toBe('0');
    expect(await response.text()).toBe('');
  });

  it('uploads in chunks in order (PATCH with Content-Range), then PUT ?digest= links the blob', async () => {
    const data = randomBytes(300_000, 2);
    const upload = await start('chunks/app');
    const first = await call(upload, {
      method: 'PATCH',
      body: data.subarray(0, 100_000),
      headers: { 'content-range': '0-99999', 'content-type': 'application/octet-stream' },
    });
    expect(first.status).toBe(202);
    expect(first.headers.get('range')).toBe('0-99999');
    const second = await call(pathOf(first.headers.get('location')), {
      method: 'PATCH',
      body: data.subarray(100_000, 250_000),
      headers: { 'content-range': '100000-249999' },
    });
    expect(second.status).toBe(202);
    expect(second.headers.get('range')).toBe('0-249999');
    const status = await call(upload);
    expect(status.status).toBe(204);
    expect(status.headers.get('range')).toBe('0-249999');
    const put = await call(`${upload}?digest=${digest(data)}`, { method: 'PUT', body: data.subarray(250_000) });
    expect(put.status).toBe(201);
    expect(put.headers.get('location')).toBe(`${registry.url}/v2/chunks/app/blobs/${digest(data)}`);
    expect(put.headers.get('docker-content-digest')).toBe(digest(data));
    const get = await call(`/v2/chunks/app/blobs/${digest(data)}`);
    expect(Buffer.from(await get.arrayBuffer()).equals(data)).toBe(true);
    expect((await call(upload)).status).toBe(404);
  });

  it('refuses an out-of-order chunk with 416 and the current Range, and the upload goes on', async () => {
    const data = randomBytes(2000, 3);
    const upload = await start('order/app');
    await call(upload, { method: 'PATCH', body: data.subarray(0, 1000), headers: { 'content-range': '0-999' } });
    const skipped = await call(upload, {
      method: 'PATCH',
      body: data.subarray(1500),
      headers: { 'content-range': '1500-1999' },
    });
    expect(skipped.status).toBe(416);
    expect(skipped.headers.get('range')).toBe('0-999');
    expect(await errorCode(skipped)).toBe('RANGE_INVALID');
    const repeated = await call(upload, {
      method: 'PATCH',
      body: data.subarray(0, 1000),
      headers: { 'content-range': '0-999' },
    });
    expect(repeated.status).toBe(416);
    const malformed = await call(upload, {
      method: 'PATCH',
      body: data.subarray(1000),
      headers: { 'content-range': 'x-y' },
    });
    expect(malformed.status).toBe(416);
    const next = await call(upload, {
      method: 'PATCH',
      body: data.subarray(1000),
      headers: { 'content-range': '1000-1999' },
    });
    expect(next.status).toBe(202);
    expect((await call(`${upload}?digest=${digest(data)}`, { method: 'PUT' })).status).toBe(201);
  });

  it('appends chunks without Content-Range (streamed) and commits with an empty PUT', async () => {
    const data = randomBytes(70_000, 4);
    const upload = await start('stream/app');
    for (const [from, to] of [
      [0, 1],
      [1, 30_000],
      [30_000, 70_000],
    ]) {
      const response = await call(upload, { method: 'PATCH', body: data.subarray(from, to) });
      expect(response.headers.get('range')).toBe(`0-${to - 1}`);
    }
    const put = await call(`${upload}?digest=${digest(data)}`, { method: 'PUT', headers: { 'content-length': '0' } });
    expect(put.status).toBe(201);
  });

  it('accepts a monolithic POST ?digest= (201) and a monolithic PUT on a fresh upload', async () => {
    const data = randomBytes(5000, 5);
    const post = await call(`/v2/mono/app/blobs/uploads/?digest=${digest(data)}`, { method: 'POST', body: data });
    expect(post.status).toBe(201);
    expect(post.headers.get('docker-content-digest')).toBe(digest(data));
    const other = randomBytes(4000, 6);
    const put = await call(`${await start('mono/app')}?digest=${digest(other)}`, { method: 'PUT', body: other });
    expect(put.status).toBe(201);
    for (const blob of [data, other])
      expect((await call(`/v2/mono/app/blobs/${digest(blob)}`, { method: 'HEAD' })).headers.get('content-length')).toBe(
        String(blob.length),
      );
  });

  it('takes sha512 digests, chunked and monolithic', async () => {
    const data = randomBytes(100_000, 7);
    const upload = await start('sha512/app');
    await call(upload, { method: 'PATCH', body: data.subarray(0, 60_000) });
    const put = await call(`${upload}?digest=${digest(data, 'sha512')}`, {
      method: 'PUT',
      body: data.subarray(60_000),
    });
    expect(put.status).toBe(201);
    expect(put.headers.get('docker-content-digest')).toBe(digest(data, 'sha512'));
    const get = await call(`/v2/sha512/app/blobs/${digest(data, 'sha512')}`);
    expect(get.headers.get('docker-content-digest')).toBe(digest(data, 'sha512'));
    expect(Buffer.from(await get.arrayBuffer()).equals(data)).toBe(true);
    const small = randomBytes(999, 8);
    expect(
      (await call(`/v2/sha512/app/blobs/uploads/?digest=${digest(small, 'sha512')}`, { method: 'POST', body: small }))
        .status,
    ).toBe(201);
  });

  it('a digest mismatch is DIGEST_INVALID (400), stores nothing and ends the upload', async () => {
    const data = randomBytes(3000, 9);
    const wrong = digest('something else');
    const upload = await start('mismatch/app');
    await call(upload, { method: 'PATCH', body: data });
    const put = await call(`${upload}?digest=${wrong}`, { method: 'PUT' });
    expect(put.status).toBe(400);
    expect(await errorCode(put)).toBe('DIGEST_INVALID');
    expect((await call(upload)).status).toBe(404);
    for (const candidate of [wrong, digest(data)])
      expect((await call(`/v2/mismatch/app/blobs/${candidate}`, { method: 'HEAD' })).status).toBe(404);
    const mono = await call(`/v2/mismatch/app/blobs/uploads/?digest=${wrong}`, { method: 'POST', body: data });
    expect(mono.status).toBe(400);
    expect((await call(`/v2/mismatch/app/blobs/${digest(data)}`, { method: 'HEAD' })).status).toBe(404);
  });

  it('PUT without a digest or with a malformed one is DIGEST_INVALID', async () => {
    const upload = await start('nodigest/app');
    for (const query of ['', '?digest=', '?digest=sha256:abc', '?digest=md5:0123', '?digest=sha256:..%2F..%2Fetc']) {
      const response = await call(`${upload}${query}`, { method: 'PUT' });
      expect(response.status, query).toBe(400);
      expect(await errorCode(response)).toBe('DIGEST_INVALID');
    }
    expect((await call(upload)).status).toBe(204);
  });

  it('DELETE cancels an upload (204); afterwards every route says BLOB_UPLOAD_UNKNOWN', async () => {
    const upload = await start('cancel/app');
    await call(upload, { method: 'PATCH', body: 'abc' });
    expect((await call(upload, { method: 'DELETE' })).status).toBe(204);
    for (const [method, suffix] of [
      ['GET', ''],
      ['PATCH', ''],
      ['PUT', `?digest=${digest('abc')}`],
      ['DELETE', ''],
    ]) {
      const response = await call(`${upload}${suffix}`, { method, body: method === 'PATCH' ? 'x' : undefined });
      expect(response.status, method).toBe(404);
      expect(await errorCode(response)).toBe('BLOB_UPLOAD_UNKNOWN');
    }
  });

  it('unknown or malformed upload ids are BLOB_UPLOAD_UNKNOWN, also in another repository', async () => {
    const upload = await start('owner/app');
    const id = upload.split('/').pop()!;
    for (const path of [
      `/v2/other/app/blobs/uploads/${id}`,
      '/v2/owner/app/blobs/uploads/00000000-0000-4000-8000-000000000000',
      '/v2/owner/app/blobs/uploads/%2e%2e%2fx',
      '/v2/owner/app/blobs/uploads/startedat',
    ]) {
      const response = await call(path);
      expect(response.status, path).toBe(404);
      expect(await errorCode(response)).toBe('BLOB_UPLOAD_UNKNOWN');
    }
  });

  it('mounts a blob from a repository that has it (201), and falls back to an upload (202) otherwise', async () => {
    const data = randomBytes(1234, 10);
    await call(`/v2/mount/source/blobs/uploads/?digest=${digest(data)}`, { method: 'POST', body: data });
    const mounted = await call(`/v2/mount/target/blobs/uploads/?mount=${digest(data)}&from=mount/source`, {
      method: 'POST',
    });
    expect(mounted.status).toBe(201);
    expect(mounted.headers.get('location')).toBe(`${registry.url}/v2/mount/target/blobs/${digest(data)}`);
    expect(mounted.headers.get('docker-content-digest')).toBe(digest(data));
    expect((await call(`/v2/mount/target/blobs/${digest(data)}`, { method: 'HEAD' })).status).toBe(200);
    for (const query of [
      `mount=${digest(data)}&from=mount/none`,
      `mount=${digest('absent')}&from=mount/source`,
      `mount=bad&from=mount/source`,
      `mount=${digest(data)}&from=..%2Fx`,
    ]) {
      const fallback = await call(`/v2/mount/fallback/blobs/uploads/?${query}`, { method: 'POST' });
      expect(fallback.status, query).toBe(202);
      expect(fallback.headers.get('docker-upload-uuid')).toBeTruthy();
    }
    expect((await call(`/v2/mount/fallback/blobs/${digest(data)}`, { method: 'HEAD' })).status).toBe(404);
  });

  it('mounts without from when the registry holds the blob (OCI 1.1), else starts an upload', async () => {
    const data = randomBytes(777, 11);
    await call(`/v2/anon/source/blobs/uploads/?digest=${digest(data)}`, { method: 'POST', body: data });
    const mounted = await call(`/v2/anon/target/blobs/uploads/?mount=${digest(data)}`, { method: 'POST' });
    expect(mounted.status).toBe(201);
    expect((await call(`/v2/anon/target/blobs/${digest(data)}`)).status).toBe(200);
    const missing = await call(`/v2/anon/target/blobs/uploads/?mount=${digest('never pushed')}`, { method: 'POST' });
    expect(missing.status).toBe(202);
  });

  it('two clients pushing the same blob at once both succeed and the blob is intact', async () => {
    const data = randomBytes(2_000_000, 12);
    const push = async (repo: string) => {
      const upload = await start(repo);
      await call(upload, { method: 'PATCH', body: data.subarray(0, 1_000_000) });
      return call(`${upload}?digest=${digest(data)}`, { method: 'PUT', body: data.subarray(1_000_000) });
    };
    const results = await Promise.all([push('race/a'), push('race/b'), push('race/a'), push('race/c')]);
    expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201]);
    for (const repo of ['race/a', 'race/b', 'race/c']) {
      const get = await call(`/v2/${repo}/blobs/${digest(data)}`);
      expect(digest(Buffer.from(await get.arrayBuffer()))).toBe(digest(data));
    }
  });

  it('logged nothing at error level', () => {
    expect(errorLogs(registry)).toEqual([]);
  });
});

describe('upload and blob Location URLs', () => {
  const cases: [string, Record<string, unknown>, Record<string, string>, (url: string) => string][] = [
    ['the request host', {}, {}, (url) => url],
    [
      'X-Forwarded-Proto/Host',
      {},
      { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'registry.example.com' },
      () => 'https://registry.example.com',
    ],
    ['http.host', { http: { host: 'https://reg.example.com:5443' } }, {}, () => 'https://reg.example.com:5443'],
    ['http.relativeurls', { http: { relativeurls: true } }, {}, () => ''],
  ];

  it.each(cases)('follow distribution: %s', async (_name, config, headers, base) => {
    const registry = await startTestRegistry({ config: { ...config, storage: { inmemory: {} } } });
    try {
      const data = Buffer.from('location');
      const started = await fetch(`${registry.url}/v2/loc/app/blobs/uploads/`, { method: 'POST', headers });
      const id = started.headers.get('docker-upload-uuid');
      expect(started.headers.get('location')).toBe(`${base(registry.url)}/v2/loc/app/blobs/uploads/${id}`);
      const put = await fetch(`${registry.url}${pathOf(started.headers.get('location'))}?digest=${digest(data)}`, {
        method: 'PUT',
        body: data,
        headers,
      });
      expect(put.headers.get('location')).toBe(`${base(registry.url)}/v2/loc/app/blobs/${digest(data)}`);
    } finally {
      await registry.close();
    }
  });
});
