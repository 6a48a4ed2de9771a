import type { StorageDriver } from '@app/storage';
import { Paths } from '../storage/index.js';
import type { BlobFence } from './blob-fence.js';
import { mapLimit } from './concurrency.js';
import { markRepository, type RepositoryMark } from './repository-mark.js';
import { removeTree, staleLinks, unmarkedBlobs, type StaleLink, type UnmarkedBlob } from './sweep.js';
import { repositoryNames } from './storage-walk.js';

export interface CollectOptions {
  /** Report what would go; change nothing. */
  dryRun?: boolean;
  /** Keep only manifests a tag reaches (and their children and referrers). */
  deleteUntagged?: boolean;
  /** Progress lines, distribution's wording ("<repo>: marking manifest ...", "Deleting blob: ..."). */
  emit?: (line: string) => void;
  /** Online collection (registries serving the storage meanwhile): see OnlineGuard. */
  online?: OnlineGuard;
}

/**
 * What makes a collection safe while clients push: links are left alone (a push may be relying on them;
 * a link to a deleted blob shows nothing), and a blob goes only when its data is older than `since` (the
 * mark's start minus the grace period) and the fence gives it to the collector.
 */
export interface OnlineGuard {
  since: number;
  fence: BlobFence;
  /** False once the collector lock is lost: nothing more is deleted. */
  held(): boolean;
}

export interface CollectReport {
  dryRun: boolean;
  repositories: number;
  manifestsMarked: number;
  blobsMarked: number;
  /** Blobs deleted (with dryRun: eligible), with their bytes. */
  blobsDeleted: number;
  bytesDeleted: number;
  /** Manifest revisions unlinked (untagged ones with deleteUntagged). */
  manifestsDeleted: number;
  /** Link directories removed, revisions included. */
  linksDeleted: number;
  deletedManifests: Array<{ repository: string; digest: string }>;
}

/**
 * Offline mark and sweep (distribution's `registry garbage-collect`), over any StorageDriver. Mark: every
 * repository (see markRepository). Sweep, in an order that a crash at any point leaves consistent: first the
 * stale links of each repository (so nothing visible refers to what goes), then the unmarked blobs. A blob is
 * deleted only when no kept manifest anywhere refers to it, so no kept manifest or tag ever loses its content;
 * a run killed midway leaves the rest to the next run.
 */
export class GarbageCollector {
  constructor(private readonly driver: StorageDriver) {}

  async collect(options: CollectOptions = {}): Promise<CollectReport> {
    const { dryRun = false, emit = () => {}, online } = options;
    const deleteUntagged = !online && (options.deleteUntagged ?? false);
    const marked = new Set<string>();
    const marks: RepositoryMark[] = [];
    for await (const name of repositoryNames(this.driver)) {
      marks.push(await markRepository(this.driver, name, marked, { deleteUntagged, emit }));
    }
    const links: StaleLink[] = [];
    if (!online) for (const mark of marks) links.push(...(await staleLinks(this.driver, mark)));
    let blobs: UnmarkedBlob[] = [];
    for await (const blob of unmarkedBlobs(this.driver, marked)) {
      if (!online || blob.modTime < online.since) blobs.push(blob);
    }
    const revisions = links.filter((link) => link.kind === 'revision');
    emit(
      `\n${marked.size} blobs marked, ${blobs.length} blobs and ${revisions.length} manifests eligible for deletion`,
    );
    for (const link of revisions) emit(`manifest eligible for deletion: ${link.repository}@${link.digest}`);
    if (!dryRun) blobs = await this.sweep(links, blobs, emit, online);
    else for (const blob of blobs) emit(`blob eligible for deletion: ${blob.digest}`);
    return {
      dryRun,
      repositories: marks.length,
      manifestsMarked: marks.reduce((sum, mark) => sum + mark.manifests.size, 0),
      blobsMarked: marked.size,
      blobsDeleted: blobs.length,
      bytesDeleted: blobs.reduce((sum, blob) => sum + blob.size, 0),
      manifestsDeleted: revisions.length,
      linksDeleted: links.length,
      deletedManifests: revisions.map(({ repository, digest }) => ({ repository, digest })),
    };
  }

  /** Removes the links, then the blobs; returns the blobs deleted (online, the fence may spare some). */
  private async sweep(
    links: StaleLink[],
    blobs: UnmarkedBlob[],
    emit: (line: string) => void,
    online?: OnlineGuard,
  ): Promise<UnmarkedBlob[]> {
    // Every link goes before any blob: a crash between the two phases leaves nothing pointing at a missing blob.
    await mapLimit(links, async (link) => {
      emit(`Removing link: ${link.path}`);
      await removeTree(this.driver, link.path);
    });
    const deleted: UnmarkedBlob[] = [];
    await mapLimit(blobs, async (blob) => {
      if (online && !online.held()) return;
      if (online && !(await online.fence.claim(blob.digest, online.since))) return;
      try {
        emit(`Deleting blob: ${Paths.blobDir(blob.digest)}`);
        await removeTree(this.driver, Paths.blobDir(blob.digest));
        deleted.push(blob);
      } finally {
        if (online) await online.fence.release(blob.digest);
      }
    });
    return deleted;
  }
}
