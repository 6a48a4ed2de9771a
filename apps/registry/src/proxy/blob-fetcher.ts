import type { Logger } from '@app/logging';
import { PathNotFoundError, type StorageDriver } from '@app/storage';
import type { BlobDescriptor, ServedBlob } from '../repository/index.js';
import { BlobStore, LinkStore, Paths } from '../storage/index.js';
import type { CachedBlobStatter } from '../cache/index.js';
import { requestedRange } from '../blobs/index.js';
import { BlobFill, FILL_LIMIT_MS } from './blob-fill.js';
import { followFill } from './fill-reader.js';
import type { FillLock } from './fill-lock.js';
import type { ProxiedRepository } from './proxy-remotes.js';
import type { ProxyMetrics } from './proxy-metrics.js';
import { header, type UpstreamResponse } from './upstream-client.js';
import { UpstreamError } from './upstream-error.js';
import type { Upstreams } from './upstreams.js';

const BLOB_MEDIA_TYPE = 'application/octet-stream';
const POLL_MS = 100;

/** `linked`: the blob is now stored and linked; the caller serves it from storage. */
export type Fetched = ServedBlob | 'linked';

/**
 * Blobs missing from a cached repository: at most one upstream GET per blob at a time (joined by every
 * request for it in this process; across processes, the FillLock makes the others wait for the stored
 * blob). Content already stored (another repository's, or kept past an expiry) is only confirmed with a
 * HEAD upstream before it is linked, so a digest alone never opens content the upstream does not serve.
 */
export class BlobFetcher {
  /** The fill of each blob being fetched by this process, from the moment its first request asks. */
  private readonly fills = new Map<string, Promise<BlobFill | 'linked'>>();

  constructor(
    private readonly upstreams: Upstreams,
    private readonly driver: StorageDriver,
    private readonly blobs: BlobStore,
    private readonly links: LinkStore,
    private readonly statter: CachedBlobStatter,
    private readonly lock: FillLock,
    private readonly metrics: ProxyMetrics,
    private readonly logger: Logger,
  ) {}

  /** Removes what fills left behind when a process died mid-fetch (older than any fill can run). */
  async removeAbandonedFills(now = Date.now()): Promise<void> {
    let paths: string[];
    try {
      paths = await this.driver.list(Paths.proxyFillsDir());
    } catch (error) {
      if (error instanceof PathNotFoundError) return;
      throw error;
    }
    for (const path of paths) {
      const info = await this.driver.stat(path).catch(() => undefined);
      if (info && now - info.modTime.getTime() > FILL_LIMIT_MS) await this.driver.delete(path).catch(() => undefined);
    }
  }

  async fetch(
    proxied: ProxiedRepository,
    digest: string,
    options: { head: boolean; range?: string },
  ): Promise<Fetched> {
    let pending = this.fills.get(digest);
    if (!pending) {
      if (options.head || (await this.blobs.stat(digest))) return this.confirm(proxied, digest, options.head);
      pending = this.fills.get(digest) ?? this.begin(proxied, digest);
    }
    const fill = await pending;
    return fill === 'linked' ? this.linkStored(proxied.repository, digest) : this.join(fill, proxied, options);
  }

  /** Stored content (or a HEAD): confirmed upstream, then linked; a HEAD answers with the upstream's size. */
  private async confirm(proxied: ProxiedRepository, digest: string, head: boolean): Promise<Fetched> {
    const client = this.upstreams.client(proxied.remote);
    const answer = await client.send('HEAD', `/v2/${proxied.upstream}/blobs/${digest}`, proxied.upstream);
    await answer.body.dump();
    const size = Number(header(answer.headers, 'content-length'));
    if (!Number.isSafeInteger(size)) throw new UpstreamError('invalid', `no Content-Length for ${digest}`);
    if (head) return { descriptor: { digest, size, mediaType: BLOB_MEDIA_TYPE } };
    return this.linkStored(proxied.repository, digest);
  }

  private begin(proxied: ProxiedRepository, digest: string): Promise<BlobFill | 'linked'> {
    const pending = this.acquire(proxied, digest);
    this.fills.set(digest, pending);
    const forget = () => {
      if (this.fills.get(digest) === pending) this.fills.delete(digest);
    };
    pending
      .then((fill) => (fill === 'linked' ? undefined : fill.settled))
      .finally(forget)
      .catch(() => undefined);
    return pending;
  }

  /** Takes the lock and starts the GET, or waits while another process fetches the blob into storage. */
  private async acquire(proxied: ProxiedRepository, digest: string): Promise<BlobFill | 'linked'> {
    const deadline = Date.now() + proxied.remote.timeout * 2;
    for (;;) {
      const lock = await this.lock.acquire(digest);
      if (lock) return this.start(proxied, digest, lock.release);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      if (await this.blobs.stat(digest)) return 'linked';
      if (Date.now() > deadline) throw new UpstreamError('unavailable', `another process is still fetching ${digest}`);
    }
  }

  private async start(proxied: ProxiedRepository, digest: string, release: () => Promise<void>): Promise<BlobFill> {
    const { remote, upstream } = proxied;
    let answer: UpstreamResponse;
    try {
      answer = await this.upstreams.client(remote).send('GET', `/v2/${upstream}/blobs/${digest}`, upstream);
    } catch (error) {
      await release();
      throw error;
    }
    const received = (count: number) => this.metrics.received(remote.prefix, count);
    const stored = (size: number) => this.link(proxied.repository, digest, size);
    const fill = new BlobFill(digest, answer, this.driver, this.blobs, stored, received);
    fill.settled
      .catch((error: Error) => {
        this.metrics.upstreamError(remote.prefix, error instanceof UpstreamError ? error.failure : 'unavailable');
        this.logger.warn({ err: error, repository: proxied.repository, digest }, 'proxy: blob fill failed');
      })
      .finally(() => void release());
    return fill;
  }

  /** A reader of the fill for this request; the blob is linked into its repository once stored. */
  private async join(
    fill: BlobFill,
    proxied: ProxiedRepository,
    options: { head: boolean; range?: string },
  ): Promise<Fetched> {
    fill.settled.then((size) => this.link(proxied.repository, fill.digest, size)).catch(() => undefined);
    if (fill.size === undefined) {
      // No Content-Length upstream: the client's Content-Length is known only once the blob is stored.
      await fill.settled;
      return this.linkStored(proxied.repository, fill.digest);
    }
    const descriptor: BlobDescriptor = { digest: fill.digest, size: fill.size, mediaType: BLOB_MEDIA_TYPE };
    const satisfied = requestedRange(options.range, fill.size);
    if (options.head || fill.size === 0) return { descriptor, range: satisfied };
    const body = followFill(fill, this.driver, satisfied?.start ?? 0, satisfied?.end ?? fill.size - 1);
    return { descriptor, range: satisfied, body };
  }

  private async linkStored(repository: string, digest: string): Promise<'linked'> {
    const stored = await this.blobs.stat(digest);
    if (!stored) throw new UpstreamError('unavailable', `${digest} vanished from storage`);
    await this.link(repository, digest, stored.size);
    return 'linked';
  }

  private async link(repository: string, digest: string, size: number): Promise<void> {
    await this.links.write(Paths.layerLink(repository, digest), digest);
    await this.statter.remember(repository, { digest, size, mediaType: BLOB_MEDIA_TYPE });
  }
}
