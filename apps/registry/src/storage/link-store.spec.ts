import { describe, expect, it } from 'vitest';
import { digestOf } from '@app/oci';
import { InMemoryDriver } from '@app/storage';
import { LinkStore } from './link-store.js';
import { Paths } from './paths.js';

describe('LinkStore', () => {
  const digest = digestOf('manifest');

  it('writes a link and reads back the digest; an absent link reads undefined', async () => {
    const links = new LinkStore(new InMemoryDriver());
    const path = Paths.tagCurrentLink('r', 'latest');
    expect(await links.read(path)).toBeUndefined();
    expect(await links.exists(path)).toBe(false);
    await links.write(path, digest);
    expect(await links.read(path)).toBe(digest);
    expect(await links.exists(path)).toBe(true);
  });

  it('trims what a link file holds (distribution writes none, other tools a newline)', async () => {
    const driver = new InMemoryDriver();
    await driver.putContent(Paths.layerLink('r', digest), Buffer.from(`${digest}\n`));
    expect(await new LinkStore(driver).read(Paths.layerLink('r', digest))).toBe(digest);
  });

  it('remove says whether something was removed, for a link or a whole directory', async () => {
    const links = new LinkStore(new InMemoryDriver());
    await links.write(Paths.tagCurrentLink('r', 'a'), digest);
    await links.write(Paths.tagIndexLink('r', 'a', digest), digest);
    expect(await links.remove(Paths.tagDir('r', 'a'))).toBe(true);
    expect(await links.remove(Paths.tagDir('r', 'a'))).toBe(false);
    expect(await links.read(Paths.tagCurrentLink('r', 'a'))).toBeUndefined();
  });

  it('children gives the names in a directory, [] when absent', async () => {
    const links = new LinkStore(new InMemoryDriver());
    expect(await links.children(Paths.tagsDir('r'))).toEqual([]);
    for (const tag of ['v2', 'latest', 'v1']) await links.write(Paths.tagCurrentLink('r', tag), digest);
    expect(await links.children(Paths.tagsDir('r'))).toEqual(['latest', 'v1', 'v2']);
  });
});
