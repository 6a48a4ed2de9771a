import { STATUS_CODES } from 'node:http';
import type { Metric, Registry } from 'prom-client';
import { LATENCY_BUCKETS, type EndpointMetrics } from '@app/records';
import type { DeliveryAdmin } from './delivery-admin.js';

interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

interface EndpointSnapshot {
  endpoint: string;
  metrics: EndpointMetrics;
  pending: number;
  deadLetters: number;
}

type Snapshot = EndpointSnapshot[];

/**
 * Delivery metrics for /metrics, read from what the workers record in Redis at scrape time (so every
 * registry instance serves the same totals, whatever worker process did the work). distribution's names
 * where it has them (registry_notifications_events_total, _pending_total, _status_total, _errors_total),
 * ours for the latency histogram and the dead-letter set. `refresh()` reads Redis once per scrape; a
 * scrape while Redis is down omits them.
 */
export class DeliveryMetricsCollector {
  private current: Snapshot = [];

  constructor(private readonly admin: DeliveryAdmin) {}

  register(registry: Registry): void {
    this.add(registry, 'registry_notifications_events_total', 'The number of total events', 'counter', (s) =>
      s.flatMap(({ endpoint, metrics }) => metrics.events.map(({ type, action, value }) => ({ labels: { type, action, endpoint }, value }))),
    );
    // distribution's help text; the value counts delivery jobs (a group-committed job holds several events).
    this.add(registry, 'registry_notifications_pending_total', 'The gauge of pending events in queue', 'gauge', (s) =>
      s.map(({ endpoint, pending }) => ({ labels: { endpoint }, value: pending })),
    );
    this.add(registry, 'registry_notifications_status_total', 'The number of status code', 'counter', (s) =>
      s.flatMap(({ endpoint, metrics }) => metrics.statuses.map(({ code, value }) => ({ labels: { code: `${code} ${STATUS_CODES[code] ?? ''}`.trim(), endpoint }, value }))),
    );
    this.add(registry, 'registry_notifications_errors_total', 'The number of events that were not sent due to internal errors', 'counter', (s) =>
      s.map(({ endpoint, metrics }) => ({ labels: { endpoint }, value: metrics.errors })),
    );
    this.add(registry, 'registry_notifications_deadlettered_total', 'Events that exhausted their retries or met 410 Gone', 'counter', (s) =>
      s.map(({ endpoint, metrics }) => ({ labels: { endpoint }, value: metrics.deadLettered })),
    );
    this.add(registry, 'registry_notifications_deadletters', 'Events in the dead-letter set now', 'gauge', (s) =>
      s.map(({ endpoint, deadLetters }) => ({ labels: { endpoint }, value: deadLetters })),
    );
    this.add(registry, 'registry_notifications_delivery_duration_seconds', 'Latency of delivery attempts', 'histogram', (s) => s.flatMap(histogramSamples));
  }

  private add(registry: Registry, name: string, help: string, type: string, samples: (snapshot: Snapshot) => Sample[]): void {
    const metric = {
      name,
      help,
      type,
      aggregator: 'sum',
      get: () => ({ name, help, type, aggregator: 'sum', values: samples(this.current) }),
      reset: () => undefined,
    };
    registry.registerMetric(metric as unknown as Metric);
  }

  /** Reads every endpoint's records; call before serialising the registry. */
  async refresh(): Promise<void> {
    this.current = await this.read().catch(() => []);
  }

  private async read(): Promise<Snapshot> {
    return Promise.all(
      this.admin.endpoints.map(async (endpoint) => {
        const overview = await this.admin.overview(endpoint);
        const metrics = await this.admin.readMetrics(endpoint.name);
        const pending = overview.pending.waiting + overview.pending.delayed + overview.pending.active + overview.pending.parked;
        return { endpoint: endpoint.name, metrics, pending, deadLetters: overview.deadLetters };
      }),
    );
  }
}

function histogramSamples({ endpoint, metrics }: EndpointSnapshot): Sample[] {
  const name = 'registry_notifications_delivery_duration_seconds';
  const { buckets, sum, count } = metrics.latency;
  let cumulative = 0;
  const samples: Sample[] = LATENCY_BUCKETS.map((le) => {
    cumulative += buckets.get(le) ?? 0;
    return { metricName: `${name}_bucket`, labels: { le, endpoint }, value: cumulative };
  });
  samples.push({ metricName: `${name}_bucket`, labels: { le: '+Inf', endpoint }, value: count });
  samples.push({ metricName: `${name}_sum`, labels: { endpoint }, value: sum });
  samples.push({ metricName: `${name}_count`, labels: { endpoint }, value: count });
  return samples;
}
