import { describe, expect, it } from 'vitest';
import { digestOf } from '@app/oci';
import { InMemoryDriver } from '@app/storage';
import { Paths } from '../storage/index.js';
import { GarbageCollector } from './garbage-collector.js';

const REPO = 'team/app';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

/** A small tree written straight through the driver, as the registry lays it out. */
class Tree {
  readonly driver = new InMemoryDriver();

  async blob(text: string): Promise<{ digest: string; size: number; mediaType: string }> {
    const content = Buffer.from(text);
    const digest = digestOf(content);
    await this.driver.putContent(Paths.blobData(digest), content);
    return { digest, size: content.length, mediaType: 'application/octet-stream' };
  }

  async layer(text: string) {
    const blob = await this.blob(text);
    await this.driver.putContent(Paths.layerLink(REPO, blob.digest), Buffer.from(blob.digest));
    return blob;
  }

  async manifest(document: Record<string, unknown>, tag?: string) {
    const blob = await this.blob(JSON.stringify({ schemaVersion: 2, ...document }));
    await this.driver.putContent(Paths.revisionLink(REPO, blob.digest), Buffer.from(blob.digest));
    if (tag) {
      await this.driver.putContent(Paths.tagIndexLink(REPO, tag, blob.digest), Buffer.from(blob.digest));
      await this.driver.putContent(Paths.tagCurrentLink(REPO, tag), Buffer.from(blob.digest));
    }
    return { ...blob, mediaType: String(document.mediaType) };
  }

  async image(name: string, tag?: string, subject?: { digest: string; size: number; mediaType: string }) {
    const config = await this.layer(`config ${name}`);
    const layer = await this.layer(`layer ${name}`);
    const manifest = await this.manifest({ mediaType: OCI_MANIFEST, config, layers: [layer], subject }, tag);
    return { manifest, config, layer };
  }

  async has(digest: string): Promise<boolean> {
    return this.driver.stat(Paths.blobData(digest)).then(
      () => true,
      () => false,
    );
  }
}

describe('GarbageCollector', () => {
  it('with deleteUntagged keeps what tags reach: index children, referrers of kept subjects', async () => {
    const tree = new Tree();
    const child = await tree.image('child');
    const index = await tree.manifest({ mediaType: OCI_INDEX, manifests: [child.manifest] }, 'multi');
    const tagged = await tree.image('tagged', 'v1');
    const signature = await tree.image('signature', undefined, tagged.manifest);
    const untagged = await tree.image('untagged');
    const orphanReferrer = await tree.image('orphan', undefined, untagged.manifest);
    await tree.driver.putContent(
      Paths.referrerLink(REPO, untagged.manifest.digest, orphanReferrer.manifest.digest),
      Buffer.from(orphanReferrer.manifest.digest),
    );
    const report = await new GarbageCollector(tree.driver).collect({ deleteUntagged: true });
    for (const kept of [child, tagged, signature]) {
      for (const part of Object.values(kept)) expect(await tree.has(part.digest)).toBe(true);
    }
    expect(await tree.has(index.digest)).toBe(true);
    for (const gone of [untagged, orphanReferrer]) {
      for (const part of Object.values(gone)) expect(await tree.has(part.digest)).toBe(false);
    }
    expect(report).toMatchObject({ manifestsDeleted: 2, blobsDeleted: 6 });
    const links = tree.driver;
    await expect(links.stat(Paths.revisionLink(REPO, untagged.manifest.digest))).rejects.toThrow();
    await expect(links.stat(Paths.layerLink(REPO, untagged.layer.digest))).rejects.toThrow();
    await expect(
      links.stat(Paths.referrerLink(REPO, untagged.manifest.digest, orphanReferrer.manifest.digest)),
    ).rejects.toThrow();
    expect((await links.stat(Paths.layerLink(REPO, tagged.layer.digest))).size).toBeGreaterThan(0);
  });

  it('without deleteUntagged keeps every revision; drops a deleted one and what only it used', async () => {
    const tree = new Tree();
    const kept = await tree.image('kept');
    const deleted = await tree.image('deleted', 'old');
    await tree.driver.delete(Paths.revisionLink(REPO, deleted.manifest.digest));
    await tree.driver.delete(Paths.tagDir(REPO, 'old'));
    const report = await new GarbageCollector(tree.driver).collect();
    for (const part of Object.values(kept)) expect(await tree.has(part.digest)).toBe(true);
    for (const part of Object.values(deleted)) expect(await tree.has(part.digest)).toBe(false);
    expect(report).toMatchObject({ manifestsMarked: 1, manifestsDeleted: 0, blobsDeleted: 3 });
  });

  it('dryRun reports the same and changes nothing', async () => {
    const tree = new Tree();
    await tree.image('tagged', 'v1');
    const untagged = await tree.image('untagged');
    const dry = await new GarbageCollector(tree.driver).collect({ deleteUntagged: true, dryRun: true });
    for (const part of Object.values(untagged)) expect(await tree.has(part.digest)).toBe(true);
    const real = await new GarbageCollector(tree.driver).collect({ deleteUntagged: true });
    expect({ ...dry, dryRun: false }).toEqual(real);
    for (const part of Object.values(untagged)) expect(await tree.has(part.digest)).toBe(false);
  });
});
