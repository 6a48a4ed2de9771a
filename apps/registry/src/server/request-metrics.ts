import { Counter, Histogram, register, type Registry } from 'prom-client';
import type { RequestObserver } from './access-log.js';

/**
 * Request metrics with distribution's names (docker/go-metrics, namespace registry, subsystem http):
 * registry_http_requests_total{code,handler,method} and registry_http_request_duration_seconds{handler,method}.
 * `handler` is the route name (base, blob, blob_upload, manifest, tags, catalog, referrers, other).
 * Registered in prom-client's default registry, which the debug listener's /metrics serves.
 */
export function requestMetrics(registry: Registry = register): RequestObserver {
  const requests =
    existing<Counter<'code' | 'handler' | 'method'>>(registry, 'registry_http_requests_total') ??
    new Counter({
      name: 'registry_http_requests_total',
      help: 'Total number of HTTP requests made.',
      labelNames: ['code', 'handler', 'method'],
      registers: [registry],
    });
  const duration =
    existing<Histogram<'handler' | 'method'>>(registry, 'registry_http_request_duration_seconds') ??
    new Histogram({
      name: 'registry_http_request_duration_seconds',
      help: 'The HTTP request latencies in seconds.',
      labelNames: ['handler', 'method'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    });
  return ({ method, route, status, seconds }) => {
    requests.inc({ code: String(status), handler: route, method });
    duration.observe({ handler: route, method }, seconds);
  };
}

function existing<T>(registry: Registry, name: string): T | undefined {
  return registry.getSingleMetric(name) as T | undefined;
}
