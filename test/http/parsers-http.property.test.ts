import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { digest, errorLogs, randomBytes, startTestRegistry, type TestRegistry } from './blobs-support.js';
import { ManifestClient, OCI_MANIFEST } from './manifests-support.js';

const ERROR_CODES = new Set([
  'UNSUPPORTED',
  'MANIFEST_UNKNOWN',
  'MANIFEST_INVALID',
  'TAG_INVALID',
  'DIGEST_INVALID',
  'NAME_INVALID',
  'NAME_UNKNOWN',
  'BLOB_UNKNOWN',
  'BLOB_UPLOAD_INVALID',
  'BLOB_UPLOAD_UNKNOWN',
  'RANGE_INVALID',
  'SIZE_INVALID',
  'MANIFEST_BLOB_UNKNOWN',
]);

/** The answer is the spec's: below 500, and an error body (when there is one) with a code of its catalogue. */
async function expectSpecAnswer(response: Response, what: string): Promise<void> {
  expect(response.status, what).toBeLessThan(500);
  const text = await response.text();
  if (response.status >= 400 && text) {
    const body = JSON.parse(text) as { errors: { code: string }[] };
    expect(ERROR_CODES.has(body.errors[0]!.code), `${what}: ${text}`).toBe(true);
  }
}

// The parsers behind real requests: whatever reference, Range or Content-Range a client sends, the registry
// answers with the spec's codes, never a 500 (in-process app, inmemory driver).
describe('parsers over HTTP (property)', () => {
  let registry: TestRegistry;
  let client: ManifestClient;
  let manifest: string;
  let blob: string;

  beforeAll(async () => {
    registry = await startTestRegistry({ config: { storage: { inmemory: {} } } });
    client = new ManifestClient(registry.url);
    const pushed = await client.image('prop/app', 'v1');
    manifest = pushed.body.toString();
    blob = digest(randomBytes(1000, 10));
  });
  afterAll(async () => {
    await registry?.close();
  });

  it('any manifest reference, on any method', async () => {
    const reference = fc.oneof(
      fc.string({ minLength: 1 }),
      fc.string({ unit: fc.constantFrom(...'aZ09:._-/%'), minLength: 1 }),
      fc.constantFrom('.INVALID_MANIFEST_NAME', 'sha256:1', 'sha512:x', 'v1', '..'),
    );
    await fc.assert(
      fc.asyncProperty(reference, fc.constantFrom('GET', 'HEAD', 'PUT', 'DELETE'), async (ref, method) => {
        const path = `/v2/prop/app/manifests/${encodeURIComponent(ref)}`;
        const init =
          method === 'PUT' ? { method, body: manifest, headers: { 'content-type': OCI_MANIFEST } } : { method };
        await expectSpecAnswer(await client.call(path, init), `${method} ${path}`);
      }),
      { numRuns: 150 },
    );
  });

  it('any Range on a blob GET, any Content-Range on an upload chunk', async () => {
    const header = fc.oneof(
      fc.string({ unit: fc.constantFrom(...'bytes=0123456789-,/* ') }),
      fc.tuple(fc.nat({ max: 3000 }), fc.nat({ max: 3000 })).map(([a, b]) => `bytes=${a}-${b}`),
    );
    await fc.assert(
      fc.asyncProperty(header, async (range) => {
        const response = await client.call(`/v2/prop/app/blobs/${blob}`, { headers: { range } });
        expect([200, 206, 404, 416]).toContain(response.status);
        await expectSpecAnswer(response, `Range: ${range}`);
      }),
      { numRuns: 150 },
    );
    await fc.assert(
      fc.asyncProperty(header, fc.uint8Array({ minLength: 1, maxLength: 64 }), async (contentRange, bytes) => {
        const started = await client.call('/v2/prop/up/blobs/uploads/', { method: 'POST' });
        const response = await fetch(new URL(started.headers.get('location')!, registry.url), {
          method: 'PATCH',
          body: Buffer.from(bytes),
          headers: { 'content-type': 'application/octet-stream', 'content-range': contentRange },
        });
        await expectSpecAnswer(response, `Content-Range: ${contentRange}`);
      }),
      { numRuns: 100 },
    );
  });

  it('logged no error (no 500 anywhere)', () => {
    expect(errorLogs(registry)).toEqual([]);
  });
});
