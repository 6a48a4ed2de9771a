import type { Logger } from '@app/logging';
import { RegistryError } from '../errors/index.js';
import type { ProxiedRepository } from './proxy-remotes.js';
import type { ProxyMetrics } from './proxy-metrics.js';
import { UpstreamError } from './upstream-error.js';

/**
 * How the cache answers what its upstream did: counts the failure, and gives the client the spec's error
 * (`notFound` when the upstream has no such content). Anything that is not an UpstreamError is ours and
 * goes on as it is.
 */
export class ProxyFailures {
  constructor(
    private readonly metrics: ProxyMetrics,
    private readonly logger: Logger,
  ) {}

  toClient(proxied: ProxiedRepository, error: unknown, notFound: RegistryError): unknown {
    if (!(error instanceof UpstreamError)) return error;
    this.metrics.upstreamError(proxied.remote.prefix, error.failure);
    if (error.failure !== 'unknown') {
      this.logger.warn(
        { err: error, repository: proxied.repository, upstream: proxied.remote.url },
        'proxy: upstream failed',
      );
    }
    return error.toRegistryError(notFound);
  }

  /** True when cached content should be served in place of the upstream's answer (it could not be asked). */
  servesStale(proxied: ProxiedRepository, error: unknown, what: string): boolean {
    if (!(error instanceof UpstreamError) || (error.failure !== 'unavailable' && error.failure !== 'invalid')) {
      return false;
    }
    this.metrics.upstreamError(proxied.remote.prefix, error.failure);
    this.metrics.staleServe(proxied.remote.prefix);
    this.logger.warn(
      { err: error, repository: proxied.repository, upstream: proxied.remote.url },
      `proxy: upstream unavailable, serving cached ${what}`,
    );
    return true;
  }
}

/** 405 UNSUPPORTED: a cached repository takes no writes. */
export function readOnly(proxied: ProxiedRepository): RegistryError {
  return new RegistryError(
    'UNSUPPORTED',
    `${proxied.repository} is a pull-through cache of ${proxied.remote.url} and is read-only`,
  );
}
