import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { tempDir } from '@app/testing';
import {
  OciLayout,
  RegistryClient,
  run,
  sha256,
  skopeo,
  startRegistry,
  type BuiltImage,
  type RegistryProcess,
} from '../support/index.js';

// podman (no daemon) pushes to and pulls from the registry process. podman recompresses layers on push,
// so the check is that what it says it pushed is what the registry serves, and that the image it pulls
// back has the same config (image id) as the one it pushed.
describe('podman against the registry process', { timeout: 120_000 }, () => {
  const work = tempDir('e2e-podman-');
  const local = `localhost/e2e-podman-${randomUUID().slice(0, 8)}:v1`;
  let image: BuiltImage;
  let registry: RegistryProcess;
  let remote: string;

  beforeAll(async () => {
    const layout = new OciLayout(join(work.path, 'layout'));
    image = await layout.addImage({ layerSizes: [5000, 2 << 20], label: 'podman' });
    layout.tag(image.manifest, 'v1');
    await run('skopeo', ['copy', '--quiet', `oci:${layout.dir}:v1`, `containers-storage:${local}`]);
    registry = await startRegistry();
    remote = `${registry.host}/e2e/podman:v1`;
  }, 60_000);

  afterAll(async () => {
    await run('podman', ['rmi', '-f', local, remote]).catch(() => undefined);
    await registry?.dispose();
    work.remove();
  });

  it('pushes with podman: the digest it reports is the manifest the registry serves', async () => {
    const digestFile = join(work.path, 'digest');
    await run('podman', ['push', '-q', '--tls-verify=false', '--digestfile', digestFile, local, `docker://${remote}`]);
    const pushed = readFileSync(digestFile, 'utf8').trim();
    const raw = await skopeo.inspectRaw(`docker://${remote}`);
    expect(sha256(raw)).toBe(pushed);
    const client = new RegistryClient(registry.url);
    for (const layer of JSON.parse(raw).layers as { digest: string; size: number }[]) {
      expect(await client.blobDigest('e2e/podman', layer.digest)).toEqual({
        status: 200,
        digest: layer.digest,
        length: layer.size,
      });
    }
  });

  it('pulls it back with podman: same image id (config digest)', async () => {
    await run('podman', ['rmi', '-f', remote]).catch(() => undefined);
    await run('podman', ['pull', '-q', '--tls-verify=false', remote]);
    const id = (await run('podman', ['image', 'inspect', '--format', '{{.Id}}', remote])).stdout.trim();
    expect(`sha256:${id}`).toBe(image.config.digest);
  });
});
