import { PathNotFoundError, type StorageDriver } from '@app/storage';
import { Paths } from '../storage/index.js';
import type { RepositoryMark } from './repository-mark.js';
import { blobDigests, childNames, digestsUnder, parentOf } from './storage-walk.js';

/** A link directory the sweep removes, and why. */
export interface StaleLink {
  repository: string;
  kind: 'revision' | 'tag-index' | 'referrer' | 'layer';
  digest: string;
  /** The directory removed (`.../<algorithm>/<hex>`). */
  path: string;
}

/**
 * The links of a marked repository that point at what the mark did not keep: revisions not kept, tag index
 * entries and referrer entries of those, and layer links of blobs no kept manifest here references.
 */
export async function staleLinks(driver: StorageDriver, mark: RepositoryMark): Promise<StaleLink[]> {
  const { name, manifests, unkept, blobs } = mark;
  const stale: StaleLink[] = unkept.map((digest) => ({
    repository: name,
    kind: 'revision',
    digest,
    path: parentOf(Paths.revisionLink(name, digest)),
  }));
  for (const tag of await childNames(driver, Paths.tagsDir(name))) {
    for (const digest of await digestsUnder(driver, `${Paths.tagDir(name, tag)}/index`)) {
      if (!manifests.has(digest))
        stale.push({
          repository: name,
          kind: 'tag-index',
          digest,
          path: parentOf(Paths.tagIndexLink(name, tag, digest)),
        });
    }
  }
  const referrersRoot = `${Paths.manifestsDir(name)}/referrers`;
  for (const subject of await digestsUnder(driver, referrersRoot)) {
    for (const digest of await digestsUnder(driver, Paths.referrersDir(name, subject))) {
      if (!manifests.has(digest)) {
        const path = parentOf(Paths.referrerLink(name, subject, digest));
        stale.push({ repository: name, kind: 'referrer', digest, path });
      }
    }
  }
  for (const digest of await digestsUnder(driver, Paths.layersDir(name))) {
    if (!blobs.has(digest) && !manifests.has(digest))
      stale.push({ repository: name, kind: 'layer', digest, path: parentOf(Paths.layerLink(name, digest)) });
  }
  return stale;
}

/** A blob of the content store that nothing marked. */
export interface UnmarkedBlob {
  digest: string;
  /** Bytes of its data (0 when the data is already gone: a sweep interrupted mid-delete). */
  size: number;
  /** Last change of its data (ms; 0 when gone). */
  modTime: number;
}

export async function* unmarkedBlobs(driver: StorageDriver, marked: ReadonlySet<string>): AsyncGenerator<UnmarkedBlob> {
  for await (const digest of blobDigests(driver)) {
    if (marked.has(digest)) continue;
    yield { digest, ...(await dataInfo(driver, digest)) };
  }
}

async function dataInfo(driver: StorageDriver, digest: string): Promise<{ size: number; modTime: number }> {
  try {
    const info = await driver.stat(Paths.blobData(digest));
    return { size: info.size, modTime: info.modTime.getTime() };
  } catch (error) {
    if (error instanceof PathNotFoundError) return { size: 0, modTime: 0 };
    throw error;
  }
}

/** Removes a directory tree; true when it was there. */
export async function removeTree(driver: StorageDriver, path: string): Promise<boolean> {
  try {
    await driver.delete(path);
    return true;
  } catch (error) {
    if (error instanceof PathNotFoundError) return false;
    throw error;
  }
}
