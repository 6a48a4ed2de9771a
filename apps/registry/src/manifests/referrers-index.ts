import { Injectable } from '@nestjs/common';
import { isDigest } from '@app/oci';
import { LinkStore, Paths } from '../storage/index.js';

/**
 * Which manifests of a repository name a given subject (OCI 1.1 referrers): one link per referrer under
 * `_manifests/referrers/<alg>/<subject hex>/<alg>/<hex>/link`, written when a manifest with `subject` is
 * pushed and removed when it is deleted.
 */
@Injectable()
export class ReferrersIndex {
  constructor(private readonly links: LinkStore) {}

  add(repository: string, subject: string, referrer: string): Promise<void> {
    return this.links.write(Paths.referrerLink(repository, subject, referrer), referrer);
  }

  async remove(repository: string, subject: string, referrer: string): Promise<void> {
    await this.links.remove(Paths.referrerLink(repository, subject, referrer));
  }

  /** Digests of the manifests whose subject is `subject`, sorted. */
  async list(repository: string, subject: string): Promise<string[]> {
    const dir = Paths.referrersDir(repository, subject);
    const digests: string[] = [];
    for (const algorithm of await this.links.children(dir)) {
      for (const hex of await this.links.children(`${dir}/${algorithm}`)) {
        const digest = `${algorithm}:${hex}`;
        if (isDigest(digest)) digests.push(digest);
      }
    }
    return digests.sort();
  }
}
