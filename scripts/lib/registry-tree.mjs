// A registry root written with plain fs in distribution's layout, fast enough for thousands of images. Plain
// JavaScript so that the benchmark scripts (run by node without a build) share it with the tests.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const CONFIG = 'application/vnd.oci.image.config.v1+json';
const LAYER = 'application/vnd.oci.image.layer.v1.tar';

export class TreeBuilder {
  constructor(root) {
    this.root = root;
    this.v2 = join(root, 'docker/registry/v2');
  }

  write(path, content) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }

  /** Stores `content` as a blob; returns its descriptor. */
  blob(content, mediaType = LAYER) {
    const digest = `sha256:${createHash('sha256').update(content).digest('hex')}`;
    this.write(join(this.v2, 'blobs/sha256', digest.slice(7, 9), digest.slice(7), 'data'), content);
    return { digest, size: Buffer.byteLength(content), mediaType };
  }

  /** `repositories/<repo>/<kind>/sha256/<hex>/link` (kind `_layers` or `_manifests/revisions`). */
  link(repo, kind, digest) {
    this.write(join(this.v2, 'repositories', repo, kind, 'sha256', digest.slice(7), 'link'), digest);
  }

  /** An image manifest over `layers` plus its own config, linked in `repo`, tagged when `tag` is given. */
  image(repo, label, layers, tag) {
    const config = this.blob(JSON.stringify({ label }), CONFIG);
    for (const blob of [config, ...layers]) this.link(repo, '_layers', blob.digest);
    const manifest = this.blob(JSON.stringify({ schemaVersion: 2, mediaType: MANIFEST, config, layers }), MANIFEST);
    this.link(repo, '_manifests/revisions', manifest.digest);
    if (tag) {
      const tagDir = join(this.v2, 'repositories', repo, '_manifests/tags', tag);
      this.write(join(tagDir, 'index/sha256', manifest.digest.slice(7), 'link'), manifest.digest);
      this.write(join(tagDir, 'current/link'), manifest.digest);
    }
    return [manifest, config, ...layers];
  }
}
