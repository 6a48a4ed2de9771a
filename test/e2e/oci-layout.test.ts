import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { tempDir } from '@app/testing';
import { OciLayout, run, sha256, skopeo } from '../support/index.js';

// The offline image builder the e2e tests and benchmarks rely on: skopeo must read what it writes.
describe('OciLayout (offline images for skopeo)', () => {
  const work = tempDir('oci-layout-');
  afterAll(() => work.remove());

  it('writes an image skopeo inspects with the same layer digests, and valid gzip tar layers', async () => {
    const layout = new OciLayout(join(work.path, 'layout'));
    const image = await layout.addImage({ layerSizes: [1000, 70_000], label: 'probe' });
    layout.tag(image.manifest, 'probe');
    const info = await skopeo.inspect(`oci:${layout.dir}:probe`);
    expect(info.Layers).toEqual(image.layers.map((layer) => layer.digest));
    expect(info.Architecture).toBe('amd64');
    expect(sha256(await skopeo.inspectRaw(`oci:${layout.dir}:probe`))).toBe(image.manifest.digest);
    const listing = await run('tar', ['tzvf', layout.blobPath(image.layers[1].digest)]);
    expect(listing.stdout).toMatch(/70000 .*probe-1\.bin/);
    expect(layout.digestOf(image.layers[1].digest)).toBe(image.layers[1].digest);
  });

  it('writes a two-platform index that skopeo copies with --all', async () => {
    const layout = new OciLayout(join(work.path, 'multi'));
    const a = await layout.addImage({ layerSizes: [100] });
    const b = await layout.addImage({ layerSizes: [200], platform: { architecture: 'arm64', os: 'linux' } });
    const index = layout.addIndex([a.manifest, b.manifest]);
    layout.tag(index, 'multi');
    const out = join(work.path, 'copy');
    await skopeo.copy(`oci:${layout.dir}:multi`, `oci:${out}:multi`, ['--all']);
    expect(sha256(await skopeo.inspectRaw(`oci:${out}:multi`))).toBe(index.digest);
  });
});
