import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MicroCeph, tempDir } from '@app/testing';
import {
  OciLayout,
  RegistryClient,
  layoutIndex,
  sha256,
  skopeo,
  startRegistry,
  type BuiltImage,
  type PlainConfig,
  type RegistryProcess,
} from '../support/index.js';

const MiB = 1 << 20;

/** sha256 of a file, streamed. */
async function fileDigest(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

/** GETs a blob, following a redirect to the store by hand; the body's sha256, streamed. */
async function pull(client: RegistryClient, repo: string, digest: string) {
  const answer = await client.fetch(`/v2/${repo}/blobs/${digest}`);
  const location = answer.status === 307 ? answer.headers.get('location') : undefined;
  const body = location ? await fetch(location) : answer;
  if (location) await answer.body?.cancel();
  const hash = createHash('sha256');
  let length = 0;
  for await (const chunk of body.body as unknown as AsyncIterable<Uint8Array>) {
    hash.update(chunk);
    length += chunk.length;
  }
  return { status: answer.status, location, digest: `sha256:${hash.digest('hex')}`, length };
}

/** Peak resident memory of a process (VmHWM), in bytes. */
function peakRss(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmHWM:\s+(\d+) kB/m);
  return Number(line?.[1] ?? 0) * 1024;
}

/**
 * skopeo end to end on an object-store driver over a real Ceph of the file's own: an image with a 200 MiB layer
 * pushed and pulled back, blobs read back (s3: through the 307 to a presigned URL), a chunked upload, a mount
 * and deletes. `storage` gives the driver's section once the cluster is up.
 */
export function objectStorageSuite(name: 's3' | 'rados', storage: (ceph: MicroCeph) => Promise<PlainConfig>): void {
  describe(`skopeo against the registry on ${name}`, { timeout: 300_000 }, () => {
    const work = tempDir(`e2e-${name}-`);
    const source = join(work.path, 'source');
    let ceph: MicroCeph;
    let image: BuiltImage;
    let registry: RegistryProcess;
    let client: RegistryClient;
    const ref = (repo: string, tag: string) => `docker://${registry.host}/${repo}:${tag}`;

    beforeAll(async () => {
      ceph = await MicroCeph.start();
      const layout = new OciLayout(source);
      image = await layout.addImage({ layerSizes: [2 * 1024, 200 * MiB + 17, 300 * 1024], label: name });
      layout.tag(image.manifest, 'big');
      const section = await storage(ceph);
      registry = await startRegistry({ config: { storage: { [name]: section, delete: { enabled: true } } } });
      client = new RegistryClient(registry.url);
    }, 240_000);

    afterAll(async () => {
      await registry?.dispose();
      await ceph?.stop();
      work.remove();
    });

    it('pushes an image with a 200 MiB layer, streamed: the registry stays under 256 MiB of memory', async () => {
      await skopeo.copy(`oci:${source}:big`, ref('e2e/big', 'v1'));
      expect(sha256(await skopeo.inspectRaw(ref('e2e/big', 'v1')))).toBe(image.manifest.digest);
      expect(peakRss(registry.pid!)).toBeLessThan(256 * MiB);
    });

    it('pulls the image back, digest by digest', async () => {
      const out = join(work.path, 'pulled');
      await skopeo.copy(ref('e2e/big', 'v1'), `oci:${out}:v1`);
      expect(layoutIndex(out).manifests[0].digest).toBe(image.manifest.digest);
      for (const blob of [image.config, ...image.layers])
        expect(await fileDigest(join(out, 'blobs', ...blob.digest.split(':')))).toBe(blob.digest);
    });

    it(`serves every blob intact${name === 's3' ? ' through a 307 to a presigned URL' : ''}; HEAD stays`, async () => {
      for (const blob of [image.config, ...image.layers]) {
        const got = await pull(client, 'e2e/big', blob.digest);
        expect(got).toMatchObject({ status: name === 's3' ? 307 : 200, digest: blob.digest, length: blob.size });
        const head = await client.head(`/v2/e2e/big/blobs/${blob.digest}`);
        expect([head.status, Number(head.headers.get('content-length'))]).toEqual([200, blob.size]);
      }
    });

    it('takes a chunked upload in three PATCHes, asked for its progress in between', async () => {
      const content = randomBytes(12 * MiB + 5);
      const pieces = [content.subarray(0, 6 * MiB), content.subarray(6 * MiB, 7 * MiB), content.subarray(7 * MiB)];
      let location = (await client.fetch('/v2/e2e/chunked/blobs/uploads/', { method: 'POST' })).headers.get(
        'location',
      )!;
      let offset = 0;
      for (const piece of pieces) {
        const range = `${offset}-${offset + piece.length - 1}`;
        const patch = await fetch(new URL(location, registry.url), {
          method: 'PATCH',
          headers: { 'content-type': 'application/octet-stream', 'content-range': range },
          body: piece,
        });
        expect(patch.status).toBe(202);
        offset += piece.length;
        location = patch.headers.get('location')!;
        const status = await fetch(new URL(location, registry.url));
        expect(status.headers.get('range')).toBe(`0-${offset - 1}`);
      }
      const url = new URL(location, registry.url);
      url.searchParams.set('digest', sha256(content));
      expect((await fetch(url, { method: 'PUT' })).status).toBe(201);
      expect(await pull(client, 'e2e/chunked', sha256(content))).toMatchObject({ digest: sha256(content) });
    });

    it('mounts the big layer into another repository and deletes the manifest and a blob', async () => {
      const big = image.layers[1];
      const mount = await client.fetch(`/v2/e2e/other/blobs/uploads/?mount=${big.digest}&from=e2e/big`, {
        method: 'POST',
      });
      expect(mount.status).toBe(201);
      expect((await client.head(`/v2/e2e/other/blobs/${big.digest}`)).status).toBe(200);
      await skopeo.delete(ref('e2e/big', 'v1'));
      expect((await client.manifest('e2e/big', image.manifest.digest)).status).toBe(404);
      expect((await client.fetch(`/v2/e2e/other/blobs/${big.digest}`, { method: 'DELETE' })).status).toBe(202);
      expect((await client.head(`/v2/e2e/other/blobs/${big.digest}`)).status).toBe(404);
      expect((await client.head(`/v2/e2e/big/blobs/${big.digest}`)).status).toBe(200);
    });
  });
}
