import type { ProxyRemotes, Remote } from './proxy-remotes.js';
import { UpstreamClient } from './upstream-client.js';

/** One UpstreamClient per configured remote, made at start (a missing `cafile` stops the start). */
export class Upstreams {
  private readonly clients = new Map<Remote, UpstreamClient>();

  constructor(remotes: ProxyRemotes) {
    for (const remote of remotes.all) this.clients.set(remote, new UpstreamClient(remote));
  }

  client(remote: Remote): UpstreamClient {
    return this.clients.get(remote)!;
  }

  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((client) => client.close()));
  }
}
