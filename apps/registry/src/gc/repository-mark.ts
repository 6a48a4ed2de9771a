import type { StorageDriver } from '@app/storage';
import { parseStoredManifest, type ParsedManifest } from '../manifests/manifest-parser.js';
import { BlobStore, LinkStore, Paths } from '../storage/index.js';
import { mapLimit } from './concurrency.js';
import { childNames, digestsUnder } from './storage-walk.js';

/** What the mark found in one repository. */
export interface RepositoryMark {
  name: string;
  /** Manifest revisions that stay. */
  manifests: Set<string>;
  /** Revisions to unlink (untagged ones with --delete-untagged). */
  unkept: string[];
  /** Blobs the kept manifests reference here (config, layers): their layer links stay. */
  blobs: Set<string>;
}

export interface MarkOptions {
  /** Keep only what a tag reaches (with index children and referrers), not every revision. */
  deleteUntagged: boolean;
  /** One line per marked manifest and blob, as distribution prints them. */
  emit: (line: string) => void;
}

/**
 * Marks one repository: its roots are every revision, or with `deleteUntagged` every tag's target; from each
 * kept manifest, its config and layers, an index's children and the referrers whose subject it is are kept
 * too. Every digest kept here is added to `marked`, the set of blobs the sweep spares across repositories.
 * A revision whose content is missing or unreadable is kept as a digest (its blob, if any, is spared) but
 * references nothing.
 */
export async function markRepository(
  driver: StorageDriver,
  name: string,
  marked: Set<string>,
  { deleteUntagged, emit }: MarkOptions,
): Promise<RepositoryMark> {
  const revisions = await digestsUnder(driver, Paths.revisionsDir(name), true);
  const isRevision = new Set(revisions);
  const parsed = await readManifests(driver, revisions);
  const tagged = await tagTargets(driver, name);
  for (const digest of tagged) marked.add(digest);
  const referrers = referrersBySubject(parsed);
  const kept: RepositoryMark = { name, manifests: new Set(), unkept: [], blobs: new Set() };
  const pending = deleteUntagged ? tagged.filter((digest) => isRevision.has(digest)) : [...revisions];
  while (pending.length > 0) {
    const digest = pending.pop()!;
    if (kept.manifests.has(digest)) continue;
    kept.manifests.add(digest);
    marked.add(digest);
    emit(`${name}: marking manifest ${digest} `);
    const manifest = parsed.get(digest);
    if (!manifest) continue;
    for (const blob of manifest.blobs) {
      kept.blobs.add(blob.digest);
      marked.add(blob.digest);
      emit(`${name}: marking blob ${blob.digest}`);
    }
    for (const child of manifest.manifests) {
      marked.add(child.digest);
      if (isRevision.has(child.digest)) pending.push(child.digest);
    }
    pending.push(...(referrers.get(digest) ?? []));
  }
  kept.unkept = revisions.filter((digest) => !kept.manifests.has(digest));
  return kept;
}

async function readManifests(driver: StorageDriver, digests: string[]): Promise<Map<string, ParsedManifest>> {
  const blobs = new BlobStore(driver);
  const parsed = new Map<string, ParsedManifest>();
  await mapLimit(digests, async (digest) => {
    try {
      parsed.set(digest, parseStoredManifest(await blobs.getContent(digest)));
    } catch {
      // Missing or not a manifest we parse: kept as a digest, referencing nothing.
    }
  });
  return parsed;
}

/** The digest each tag's current link points at. */
async function tagTargets(driver: StorageDriver, name: string): Promise<string[]> {
  const links = new LinkStore(driver);
  const targets: string[] = [];
  for (const tag of await childNames(driver, Paths.tagsDir(name))) {
    const digest = await links.read(Paths.tagCurrentLink(name, tag));
    if (digest) targets.push(digest);
  }
  return targets;
}

function referrersBySubject(parsed: Map<string, ParsedManifest>): Map<string, string[]> {
  const bySubject = new Map<string, string[]>();
  for (const [digest, manifest] of parsed) {
    if (!manifest.subject) continue;
    const list = bySubject.get(manifest.subject.digest) ?? [];
    list.push(digest);
    bySubject.set(manifest.subject.digest, list);
  }
  return bySubject;
}
