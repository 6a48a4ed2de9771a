import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

interface Blob {
  digest: string;
  size: number;
  mediaType: string;
}

/**
 * A registry root written with plain fs in distribution's layout (fast enough for thousands of images):
 * blobs, layer links, revisions and tags of one repository.
 */
export class TreeBuilder {
  readonly v2: string;
  constructor(readonly root: string) {
    this.v2 = join(root, 'docker/registry/v2');
  }

  private write(path: string, content: string | Buffer): void {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }

  blob(content: string, mediaType = 'application/vnd.oci.image.layer.v1.tar'): Blob {
    const digest = `sha256:${createHash('sha256').update(content).digest('hex')}`;
    this.write(join(this.v2, 'blobs/sha256', digest.slice(7, 9), digest.slice(7), 'data'), content);
    return { digest, size: Buffer.byteLength(content), mediaType };
  }

  link(repo: string, kind: string, digest: string): void {
    this.write(join(this.v2, 'repositories', repo, kind, 'sha256', digest.slice(7), 'link'), digest);
  }

  /** An image manifest over `layers` plus its own config, linked in `repo`, tagged when `tag` is given. */
  image(repo: string, label: string, layers: Blob[], tag?: string): Blob[] {
    const config = this.blob(JSON.stringify({ label }), 'application/vnd.oci.image.config.v1+json');
    for (const blob of [config, ...layers]) this.link(repo, '_layers', blob.digest);
    const body = JSON.stringify({ schemaVersion: 2, mediaType: MANIFEST, config, layers });
    const manifest = this.blob(body, MANIFEST);
    this.link(repo, '_manifests/revisions', manifest.digest);
    if (tag) {
      const tagDir = join(this.v2, 'repositories', repo, '_manifests/tags', tag);
      this.write(join(tagDir, 'index/sha256', manifest.digest.slice(7), 'link'), manifest.digest);
      this.write(join(tagDir, 'current/link'), manifest.digest);
    }
    return [manifest, config, ...layers];
  }
}

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
