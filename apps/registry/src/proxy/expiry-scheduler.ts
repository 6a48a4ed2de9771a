import type { Logger } from '@app/logging';
import type { CachedBlobStatter } from '../cache/index.js';
import type { TagStore } from '../manifests/index.js';
import { BlobStore, LinkStore, Paths } from '../storage/index.js';
import type { ExpiryStore } from './expiry-store.js';
import type { ProxyRemotes } from './proxy-remotes.js';

type Kind = 'blob' | 'manifest';
const FLUSH_MS = 1_000;

/**
 * distribution's proxy scheduler, with its state in an ExpiryStore: each pull of cached content moves
 * its expiry to now + `ttl` (batched, written once a second); what passes its expiry unpulled is removed
 * from its repository (a blob's link, a manifest's revision and the tags on it) and, when the whole
 * registry is a cache, from the blob store. The next pull fetches it again. `ttl` 0 keeps it for ever.
 */
export class ExpiryScheduler {
  private readonly pending = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;

  constructor(
    private readonly remotes: ProxyRemotes,
    private readonly store: ExpiryStore,
    private readonly blobs: BlobStore,
    private readonly links: LinkStore,
    private readonly tags: TagStore,
    private readonly statter: CachedBlobStatter,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  touch(kind: Kind, repository: string, digest: string, ttl: number): void {
    if (ttl > 0) this.pending.set(`${kind}|${repository}|${digest}`, this.now() + ttl);
  }

  /** Checks every quarter of the shortest ttl, between 1 s and 1 min. */
  start(): void {
    const ttls = this.remotes.all.map((remote) => remote.ttl).filter((ttl) => ttl > 0);
    if (ttls.length === 0) return;
    const every = Math.min(60_000, Math.max(FLUSH_MS, Math.min(...ttls) / 4));
    let ticks = 0;
    this.timer = setInterval(() => {
      ticks += 1;
      this.flushing ??= this.tick(ticks * FLUSH_MS >= every).finally(() => (this.flushing = undefined));
      if (ticks * FLUSH_MS >= every) ticks = 0;
    }, FLUSH_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flushing;
    await this.flush().catch((error: unknown) => this.logger.warn({ err: error }, 'proxy: expiry state not saved'));
  }

  private async tick(expire: boolean): Promise<void> {
    try {
      await this.flush();
      if (expire) await this.expireDue();
    } catch (error) {
      this.logger.warn({ err: error }, 'proxy: expiry check failed');
    }
  }

  private async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = new Map(this.pending);
    this.pending.clear();
    await this.store.schedule(batch);
  }

  private async expireDue(): Promise<void> {
    const keys = await this.store.due(this.now());
    for (const key of keys) {
      const [kind, repository, digest] = key.split('|') as [Kind, string, string];
      await this.expire(kind, repository, digest);
      this.logger.info({ repository, digest, kind }, 'proxy: cached content expired');
    }
    await this.store.remove(keys);
  }

  private async expire(kind: Kind, repository: string, digest: string): Promise<void> {
    if (kind === 'blob') {
      await this.statter.removing(repository, digest, () => this.links.remove(Paths.layerDir(repository, digest)));
    } else {
      for (const tag of await this.tags.lookup(repository, digest)) await this.tags.untag(repository, tag);
      await this.links.remove(Paths.revisionLink(repository, digest));
    }
    const wholeRegistry = this.remotes.all.some((remote) => remote.prefix === '');
    if (wholeRegistry) await this.blobs.delete(digest).catch(() => undefined);
  }
}
