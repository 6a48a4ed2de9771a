import type { ProxyConfig } from '@app/config';

/** One upstream registry as the cache uses it. */
export interface Remote {
  /** `''` when the whole registry is a cache of it (distribution's `proxy.remoteurl`). */
  prefix: string;
  /** The key it was configured under, for messages (`proxy.remotes[1]`). */
  key: string;
  /** Base URL without a trailing slash. */
  url: string;
  username?: string;
  password?: string;
  /** ms after the last pull before cached content is removed; 0: never. */
  ttl: number;
  /** ms a cached tag is trusted without asking the upstream; 0: ask every time. */
  tagttl: number;
  cafile?: string;
  /** ms an upstream may take to answer or pause while sending. */
  timeout: number;
}

/** A repository of the cache: its local name, its remote and its name there. */
export interface ProxiedRepository {
  remote: Remote;
  repository: string;
  upstream: string;
}

/**
 * Which repositories are caches, and of what: every repository with `proxy.remoteurl`, else those under
 * a `proxy.remotes[].prefix` (`hub/library/alpine` → `library/alpine` on that remote). Prefixes do not
 * overlap (the config loader refuses it), so a repository has at most one remote.
 */
export class ProxyRemotes {
  private constructor(readonly all: readonly Remote[]) {}

  static fromConfig(proxy: ProxyConfig | undefined): ProxyRemotes {
    if (!proxy) return new ProxyRemotes([]);
    const timeout = proxy.timeout;
    const trim = (url: string) => url.replace(/\/+$/, '');
    if (proxy.remoteurl) {
      const { username, password, ttl, tagttl, cafile } = proxy;
      return new ProxyRemotes([
        { prefix: '', key: 'proxy', url: trim(proxy.remoteurl), username, password, ttl, tagttl, cafile, timeout },
      ]);
    }
    return new ProxyRemotes(
      proxy.remotes.map((remote, index) => ({
        prefix: remote.prefix,
        key: `proxy.remotes[${index}]`,
        url: trim(remote.remoteurl),
        username: remote.username,
        password: remote.password,
        ttl: remote.ttl,
        tagttl: remote.tagttl,
        cafile: remote.cafile,
        timeout,
      })),
    );
  }

  get enabled(): boolean {
    return this.all.length > 0;
  }

  /** The remote of `repository`, or undefined for a local repository. */
  resolve(repository: string): ProxiedRepository | undefined {
    for (const remote of this.all) {
      if (remote.prefix === '') return { remote, repository, upstream: upstreamName(remote, repository) };
      if (repository.startsWith(`${remote.prefix}/`)) {
        const name = repository.slice(remote.prefix.length + 1);
        return { remote, repository, upstream: upstreamName(remote, name) };
      }
    }
    return undefined;
  }
}

/** Docker Hub keeps its official images under `library/`: `hub/alpine` is `library/alpine` there, as docker says. */
function upstreamName(remote: Remote, name: string): string {
  const hub = /^https?:\/\/(registry-1\.|index\.)?docker\.io$/.test(remote.url);
  return hub && !name.includes('/') ? `library/${name}` : name;
}
