import { Injectable } from '@nestjs/common';
import { LinkStore, Paths } from '../storage/index.js';

/**
 * Tags of a repository (distribution's tagStore): `tags/<tag>/current/link` holds the digest the tag points
 * at, `tags/<tag>/index/<alg>/<hex>/link` every digest it has pointed at. Tags are validated by the caller.
 */
@Injectable()
export class TagStore {
  constructor(private readonly links: LinkStore) {}

  /** The digest the tag points at, or undefined. */
  resolve(repository: string, tag: string): Promise<string | undefined> {
    return this.links.read(Paths.tagCurrentLink(repository, tag));
  }

  /** Points the tag at `digest`: the index entry first, then the current link (what readers follow). */
  async tag(repository: string, tag: string, digest: string): Promise<void> {
    await this.links.write(Paths.tagIndexLink(repository, tag, digest), digest);
    await this.links.write(Paths.tagCurrentLink(repository, tag), digest);
  }

  /** Removes the tag; false when there was no such tag. */
  async untag(repository: string, tag: string): Promise<boolean> {
    if ((await this.resolve(repository, tag)) === undefined) return false;
    return this.links.remove(Paths.tagDir(repository, tag));
  }

  /** Every tag, in lexical order. */
  async list(repository: string): Promise<string[]> {
    return (await this.links.children(Paths.tagsDir(repository))).sort();
  }

  /** The tags whose current link points at `digest`. */
  async lookup(repository: string, digest: string): Promise<string[]> {
    const tags = await this.list(repository);
    const targets = await Promise.all(tags.map((tag) => this.resolve(repository, tag)));
    return tags.filter((_tag, index) => targets[index] === digest);
  }
}
