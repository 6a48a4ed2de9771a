import { Counter, register, type Registry } from 'prom-client';
import type { UpstreamFailure } from './upstream-error.js';

type Kind = 'blob' | 'manifest';

/**
 * The cache's Prometheus counters, labelled by remote (its prefix, `/` for the whole registry):
 * registry_proxy_hits_total and _misses_total {kind}, _upstream_bytes_total, _upstream_errors_total
 * {failure}, _stale_serves_total (a cached manifest served because its upstream could not be asked).
 */
export class ProxyMetrics {
  private readonly hits: Counter<'remote' | 'kind'>;
  private readonly misses: Counter<'remote' | 'kind'>;
  private readonly bytes: Counter<'remote'>;
  private readonly errors: Counter<'remote' | 'failure'>;
  private readonly stale: Counter<'remote'>;

  constructor(registry: Registry = register) {
    const counter = <L extends string>(name: string, help: string, labelNames: L[]): Counter<L> => {
      registry.removeSingleMetric(name);
      return new Counter({ name, help, labelNames, registers: [registry] });
    };
    this.hits = counter('registry_proxy_hits_total', 'Pulls served from the cache', ['remote', 'kind']);
    this.misses = counter('registry_proxy_misses_total', 'Pulls fetched from the upstream', ['remote', 'kind']);
    this.bytes = counter('registry_proxy_upstream_bytes_total', 'Blob bytes received from the upstream', ['remote']);
    this.errors = counter('registry_proxy_upstream_errors_total', 'Failed upstream requests', ['remote', 'failure']);
    this.stale = counter('registry_proxy_stale_serves_total', 'Cached manifests served unchecked', ['remote']);
  }

  hit(remote: string, kind: Kind): void {
    this.hits.inc({ remote: label(remote), kind });
  }

  miss(remote: string, kind: Kind): void {
    this.misses.inc({ remote: label(remote), kind });
  }

  received(remote: string, count: number): void {
    this.bytes.inc({ remote: label(remote) }, count);
  }

  upstreamError(remote: string, failure: UpstreamFailure): void {
    this.errors.inc({ remote: label(remote), failure });
  }

  staleServe(remote: string): void {
    this.stale.inc({ remote: label(remote) });
  }
}

function label(prefix: string): string {
  return prefix || '/';
}
