import { STATUS_CODES } from 'node:http';
import { Injectable } from '@nestjs/common';
import { Registry, type Metric } from 'prom-client';
import { DeadLetterStore } from '../dead-letter-store.js';
import { DeliveryMetricsStore, LATENCY_BUCKETS, type EndpointMetrics } from '../delivery-metrics.js';
import { AdminQueues } from './admin-queues.js';
import { EndpointOverviews } from './endpoint-overviews.js';

interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

interface EndpointSnapshot {
  endpoint: string;
  metrics: EndpointMetrics;
  /** Delivery jobs not finished (waiting, delayed, active). */
  pending: number;
  deadLetters: number;
}

type Samples = (snapshot: EndpointSnapshot) => Sample[];

const DURATION = 'registry_notifications_delivery_duration_seconds';

const perEndpoint =
  (value: (snapshot: EndpointSnapshot) => number): Samples =>
  (snapshot) => [{ labels: { endpoint: snapshot.endpoint }, value: value(snapshot) }];

/** name, help (distribution's where it has the metric), type, samples of one endpoint. */
const METRICS: [string, string, string, Samples][] = [
  [
    'registry_notifications_events_total',
    'The number of total events',
    'counter',
    ({ endpoint, metrics }) =>
      metrics.events.map(({ type, action, value }) => ({ labels: { type, action, endpoint }, value })),
  ],
  // The value counts delivery jobs (a group-committed job holds several events), the help text is distribution's.
  [
    'registry_notifications_pending_total',
    'The gauge of pending events in queue',
    'gauge',
    perEndpoint((s) => s.pending),
  ],
  [
    'registry_notifications_status_total',
    'The number of status code',
    'counter',
    ({ endpoint, metrics }) =>
      metrics.statuses.map(({ code, value }) => ({ labels: { code: statusLabel(code), endpoint }, value })),
  ],
  [
    'registry_notifications_errors_total',
    'The number of events that were not sent due to internal errors',
    'counter',
    perEndpoint((s) => s.metrics.errors),
  ],
  [
    'registry_notifications_deadlettered_total',
    'Events that exhausted their retries or met 410 Gone',
    'counter',
    perEndpoint((s) => s.metrics.deadLettered),
  ],
  [
    'registry_notifications_deadletters',
    'Events in the dead-letter set now',
    'gauge',
    perEndpoint((s) => s.deadLetters),
  ],
  [DURATION, 'Latency of delivery attempts', 'histogram', histogramSamples],
];

/**
 * Delivery metrics for /metrics, read at scrape time from what the workers record in Redis (so every
 * registry instance serves the same totals, whatever worker did the work). distribution's names where it
 * has them (registry_notifications_events_total, _pending_total, _status_total, _errors_total), ours for
 * the latency histogram and the dead-letter set. A scrape while Redis is down omits them.
 */
@Injectable()
export class DeliveryMetricsCollector {
  private current: EndpointSnapshot[] = [];
  private readonly registry = new Registry();

  constructor(
    private readonly overviews: EndpointOverviews,
    private readonly queues: AdminQueues,
    private readonly deadLetters: DeadLetterStore,
    private readonly metrics: DeliveryMetricsStore,
  ) {
    for (const [name, help, type, samples] of METRICS) this.add(name, help, type, samples);
  }

  /** The delivery metrics as they are now: reads every endpoint's records once, then returns the registry. */
  async collect(): Promise<Registry> {
    this.current = await this.read().catch(() => []);
    return this.registry;
  }

  private read(): Promise<EndpointSnapshot[]> {
    return Promise.all(
      this.overviews.endpoints.map(async ({ name }) => {
        const [metrics, counts, deadLetters] = await Promise.all([
          this.metrics.read(name),
          this.queues.pending(name),
          this.deadLetters.count(name),
        ]);
        return { endpoint: name, metrics, pending: counts.waiting + counts.delayed + counts.active, deadLetters };
      }),
    );
  }

  /**
   * A metric whose values come from the last snapshot: prom-client's Metric contract is `get()` (plus the
   * fields it reads); its own classes keep values in process, which totals from Redis are not.
   */
  private add(name: string, help: string, type: string, samples: Samples): void {
    const get = () => ({ name, help, type, aggregator: 'sum', values: this.current.flatMap(samples) });
    const metric = { name, help, type, aggregator: 'sum', get, reset: () => undefined };
    this.registry.registerMetric(metric as unknown as Metric);
  }
}

function statusLabel(code: number): string {
  return `${code} ${STATUS_CODES[code] ?? ''}`.trim();
}

function histogramSamples({ endpoint, metrics }: EndpointSnapshot): Sample[] {
  const { buckets, sum, count } = metrics.latency;
  let cumulative = 0;
  const samples: Sample[] = LATENCY_BUCKETS.map((le) => {
    cumulative += buckets.get(le) ?? 0;
    return { metricName: `${DURATION}_bucket`, labels: { le, endpoint }, value: cumulative };
  });
  samples.push({ metricName: `${DURATION}_bucket`, labels: { le: '+Inf', endpoint }, value: count });
  samples.push({ metricName: `${DURATION}_sum`, labels: { endpoint }, value: sum });
  samples.push({ metricName: `${DURATION}_count`, labels: { endpoint }, value: count });
  return samples;
}
