import { isTag } from '@app/oci';
import { RegistryError } from '../errors/index.js';
import { paginate, type Page, type RepositoryListing } from '../manifests/index.js';
import type { ProxyFailures } from './proxy-failures.js';
import type { ProxyRemotes, ProxiedRepository } from './proxy-remotes.js';
import { header } from './upstream-client.js';
import type { Upstreams } from './upstreams.js';

/** Pages of the upstream's tags list followed at most (its `Link: rel="next"`). */
const MAX_PAGES = 100;

/**
 * Tags lists: a cached repository's are the upstream's (all its pages, then paged here by `n` and `last`),
 * or the cached tags when the upstream cannot be asked; a local repository's come from storage.
 */
export class ProxyTagListing {
  constructor(
    private readonly listing: RepositoryListing,
    private readonly remotes: ProxyRemotes,
    private readonly upstreams: Upstreams,
    private readonly failures: ProxyFailures,
  ) {}

  async listTags(repository: string, n: number | undefined, last: string | undefined): Promise<Page<string>> {
    const proxied = this.remotes.resolve(repository);
    if (!proxied) return this.listing.listTags(repository, n, last);
    let tags: string[];
    try {
      tags = await this.upstreamTags(proxied);
    } catch (error) {
      if (this.failures.servesStale(proxied, error, 'tags list')) return this.listing.listTags(repository, n, last);
      throw this.failures.toClient(proxied, error, new RegistryError('NAME_UNKNOWN', undefined, { name: repository }));
    }
    if (n === 0) return { entries: [] };
    return paginate(tags.filter(isTag).sort(), n, last);
  }

  private async upstreamTags(proxied: ProxiedRepository): Promise<string[]> {
    const client = this.upstreams.client(proxied.remote);
    const tags: string[] = [];
    let path: string | undefined = `/v2/${proxied.upstream}/tags/list`;
    for (let page = 0; path && page < MAX_PAGES; page++) {
      const answer = await client.send('GET', path, proxied.upstream);
      const body = (await answer.body.json()) as { tags?: unknown };
      if (Array.isArray(body.tags)) tags.push(...body.tags.filter((tag): tag is string => typeof tag === 'string'));
      path = nextPath(header(answer.headers, 'link'));
    }
    return [...new Set(tags)];
  }
}

/** The path of `Link: </v2/...?n=..&last=..>; rel="next"`, when it stays on the upstream's API. */
function nextPath(link: string | undefined): string | undefined {
  const match = link ? /<([^>]+)>\s*;\s*rel="?next"?/.exec(link) : null;
  if (!match) return undefined;
  const url = new URL(match[1], 'http://upstream');
  return url.pathname.startsWith('/v2/') ? `${url.pathname}${url.search}` : undefined;
}
