import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TreeBlob as Blob } from '../../scripts/lib/registry-tree.mjs';

export { TreeBuilder } from '../../scripts/lib/registry-tree.mjs';

/**
 * What a registry reader would trip over, as a list of problems (empty when consistent): a revision whose
 * manifest, config or a layer (blob or layer link) is missing, a tag whose manifest is missing.
 */
export function danglingReferences(root: string): string[] {
  const v2 = join(root, 'docker/registry/v2');
  const blobExists = (digest: string) =>
    existsSync(join(v2, 'blobs/sha256', digest.slice(7, 9), digest.slice(7), 'data'));
  const problems: string[] = [];
  const repos = join(v2, 'repositories');
  for (const repo of repositoriesUnder(repos, '')) {
    const dir = join(repos, repo);
    const revisions = join(dir, '_manifests/revisions/sha256');
    const linked = (kind: string, digest: string) => existsSync(join(dir, kind, 'sha256', digest.slice(7), 'link'));
    for (const hex of existsSync(revisions) ? readdirSync(revisions) : []) {
      if (!existsSync(join(revisions, hex, 'link'))) continue;
      const digest = `sha256:${hex}`;
      if (!blobExists(digest)) {
        problems.push(`${repo}: revision ${digest} has no content`);
        continue;
      }
      const manifest = JSON.parse(readFileSync(join(v2, 'blobs/sha256', hex.slice(0, 2), hex, 'data'), 'utf8'));
      for (const blob of [manifest.config, ...(manifest.layers ?? [])].filter(Boolean) as Blob[]) {
        if (!blobExists(blob.digest) || !linked('_layers', blob.digest))
          problems.push(`${repo}: ${digest} refers to missing ${blob.digest}`);
      }
    }
    const tags = join(dir, '_manifests/tags');
    for (const tag of existsSync(tags) ? readdirSync(tags) : []) {
      const target = readFileSync(join(tags, tag, 'current/link'), 'utf8');
      if (!blobExists(target) || !linked('_manifests/revisions', target))
        problems.push(`${repo}: tag ${tag} points at missing ${target}`);
    }
  }
  return problems;
}

function repositoriesUnder(dir: string, prefix: string): string[] {
  const names: string[] = [];
  for (const child of readdirSync(dir)) {
    if (child.startsWith('_')) continue;
    const name = prefix ? `${prefix}/${child}` : child;
    if (existsSync(join(dir, child, '_manifests')) || existsSync(join(dir, child, '_layers'))) names.push(name);
    names.push(...repositoriesUnder(join(dir, child), name));
  }
  return names;
}
