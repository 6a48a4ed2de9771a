import { Counter, Gauge, register, type Registry } from 'prom-client';
import type { CacheCounters } from './blob-descriptor-cache.js';

/**
 * The blob-descriptor cache's metrics, read from its counters at scrape time: distribution's
 * registry_storage_cache_total{type="Request"|"Hit"|"Miss"} and our registry_storage_cache_hit_ratio.
 */
export function registerCacheMetrics(counters: CacheCounters, registry: Registry = register): void {
  registry.removeSingleMetric('registry_storage_cache_total');
  registry.removeSingleMetric('registry_storage_cache_hit_ratio');
  new Counter({
    name: 'registry_storage_cache_total',
    help: 'The number of cache request received',
    labelNames: ['type'],
    registers: [registry],
    collect() {
      this.reset();
      this.inc({ type: 'Request' }, counters.hits + counters.misses);
      this.inc({ type: 'Hit' }, counters.hits);
      this.inc({ type: 'Miss' }, counters.misses);
    },
  });
  new Gauge({
    name: 'registry_storage_cache_hit_ratio',
    help: 'Blob descriptor cache hits / requests since start (0 when no request).',
    registers: [registry],
    collect() {
      const total = counters.hits + counters.misses;
      this.set(total === 0 ? 0 : counters.hits / total);
    },
  });
}
