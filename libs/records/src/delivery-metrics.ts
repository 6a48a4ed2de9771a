import type { ChainableCommander, Redis } from 'ioredis';
import { DeliveryKeys } from './delivery-keys.js';

/**
 * Delivery counters, recorded by the worker into one Redis hash per endpoint (so that any number of worker
 * processes add up) and served by the registry's /metrics. distribution's names:
 *   registry_notifications_events_total{type=Events|Successes|Failures|Errors, action, endpoint}
 *   registry_notifications_status_total{code="200 OK", endpoint}
 *   registry_notifications_errors_total{endpoint}   (internal errors: the worker failed, not the endpoint)
 * and ours: a delivery latency histogram and the number of dead-lettered events.
 *
 * Hash fields: `Events|push` ... (type|action), `status|200`, `errors`, `deadlettered`, `lat|<le>` (per
 * bucket, not cumulative), `lat|sum` (seconds), `lat|count`.
 */
export type EventCounterType = 'Events' | 'Successes' | 'Failures' | 'Errors';

/** Latency buckets in seconds. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

export interface EndpointMetrics {
  events: { type: EventCounterType; action: string; value: number }[];
  statuses: { code: number; value: number }[];
  errors: number;
  deadLettered: number;
  /** Non-cumulative counts per bucket bound (seconds), plus sum and count. */
  latency: { buckets: Map<number, number>; sum: number; count: number };
}

export class DeliveryMetricsStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /** Appends `count` events' counter to `tx` (`Events` when they enter delivery, then their attempts' results). */
  countEvents(tx: ChainableCommander, endpoint: string, type: EventCounterType, action: string, count = 1): void {
    tx.hincrby(DeliveryKeys.metrics(this.prefix, endpoint), `${type}|${action}`, count);
  }

  /** Appends HTTP requests' statuses (absent: no response) and latencies to `tx`, one increment per field. */
  recordResponses(
    tx: ChainableCommander,
    endpoint: string,
    responses: readonly { status?: number; latencyMs: number }[],
  ): void {
    if (responses.length === 0) return;
    const key = DeliveryKeys.metrics(this.prefix, endpoint);
    const counts = new Map<string, number>();
    const add = (field: string) => counts.set(field, (counts.get(field) ?? 0) + 1);
    let seconds = 0;
    for (const { status, latencyMs } of responses) {
      if (status !== undefined) add(`status|${status}`);
      const bound = LATENCY_BUCKETS.find((le) => latencyMs / 1000 <= le);
      if (bound !== undefined) add(`lat|${bound}`);
      seconds += latencyMs / 1000;
    }
    for (const [field, count] of counts) tx.hincrby(key, field, count);
    tx.hincrbyfloat(key, 'lat|sum', seconds);
    tx.hincrby(key, 'lat|count', responses.length);
  }

  recordDeadLettered(tx: ChainableCommander, endpoint: string, events: number): void {
    tx.hincrby(DeliveryKeys.metrics(this.prefix, endpoint), 'deadlettered', events);
  }

  async recordInternalError(endpoint: string): Promise<void> {
    await this.redis.hincrby(DeliveryKeys.metrics(this.prefix, endpoint), 'errors', 1);
  }

  async read(endpoint: string): Promise<EndpointMetrics> {
    return parseMetrics(await this.redis.hgetall(DeliveryKeys.metrics(this.prefix, endpoint)));
  }
}

export function parseMetrics(hash: Record<string, string>): EndpointMetrics {
  const metrics: EndpointMetrics = {
    events: [],
    statuses: [],
    errors: 0,
    deadLettered: 0,
    latency: { buckets: new Map(), sum: 0, count: 0 },
  };
  for (const [field, raw] of Object.entries(hash)) {
    const value = Number(raw);
    const [kind, rest] = field.split('|', 2);
    if (kind === 'status') metrics.statuses.push({ code: Number(rest), value });
    else if (kind === 'errors') metrics.errors = value;
    else if (kind === 'deadlettered') metrics.deadLettered = value;
    else if (kind === 'lat' && rest === 'sum') metrics.latency.sum = value;
    else if (kind === 'lat' && rest === 'count') metrics.latency.count = value;
    else if (kind === 'lat') metrics.latency.buckets.set(Number(rest), value);
    else metrics.events.push({ type: kind as EventCounterType, action: rest, value });
  }
  return metrics;
}
