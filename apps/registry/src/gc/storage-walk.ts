import { isDigest } from '@app/oci';
import { PathNotFoundError, type StorageDriver } from '@app/storage';
import { Paths } from '../storage/index.js';
import { mapLimit } from './concurrency.js';

/** Names of the children of a directory; [] when it is absent. */
export async function childNames(driver: StorageDriver, dir: string): Promise<string[]> {
  try {
    return (await driver.list(dir)).map((path) => path.slice(path.lastIndexOf('/') + 1));
  } catch (error) {
    if (error instanceof PathNotFoundError) return [];
    throw error;
  }
}

/**
 * Digests named by `<dir>/<algorithm>/<hex>` directories (revisions, layer links, tag index, referrers). With
 * `linked`, only those whose `link` file is there: deleting a link leaves its directory behind.
 */
export async function digestsUnder(driver: StorageDriver, dir: string, linked = false): Promise<string[]> {
  const digests: string[] = [];
  for (const algorithm of await childNames(driver, dir)) {
    for (const hex of await childNames(driver, `${dir}/${algorithm}`)) {
      if (isDigest(`${algorithm}:${hex}`)) digests.push(`${algorithm}:${hex}`);
    }
  }
  if (!linked) return digests;
  const hasLink = async (digest: string) =>
    (await childNames(driver, `${dir}/${digest.replace(':', '/')}`)).includes('link');
  const present = await mapLimit(digests, hasLink);
  return digests.filter((_digest, index) => present[index]);
}

/**
 * Every repository name, depth first: a directory under `repositories/` holding `_manifests` or `_layers`.
 * Names nest (`a/b` and `a/b/c`); `_`-prefixed directories are never part of a name.
 */
export async function* repositoryNames(
  driver: StorageDriver,
  dir = Paths.repositoriesRoot(),
  prefix = '',
): AsyncGenerator<string> {
  const children = await childNames(driver, dir);
  if (prefix && (children.includes('_manifests') || children.includes('_layers'))) yield prefix;
  for (const child of children.sort()) {
    if (child.startsWith('_')) continue;
    yield* repositoryNames(driver, `${dir}/${child}`, prefix ? `${prefix}/${child}` : child);
  }
}

/** Every blob in the content store (`blobs/<algorithm>/<two hex>/<hex>`), whether or not its data is whole. */
export async function* blobDigests(driver: StorageDriver): AsyncGenerator<string> {
  const root = Paths.blobsRoot();
  for (const algorithm of await childNames(driver, root)) {
    for (const prefix of await childNames(driver, `${root}/${algorithm}`)) {
      for (const hex of await childNames(driver, `${root}/${algorithm}/${prefix}`)) {
        const digest = `${algorithm}:${hex}`;
        if (isDigest(digest)) yield digest;
      }
    }
  }
}

/** `path` without its last segment (a link's directory). */
export function parentOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/'));
}
