import { Injectable } from '@nestjs/common';
import { RegistryConfig, type EndpointConfig } from '@app/config';
import { DeadLetterStore } from '../dead-letter-store.js';
import { DeliveryMetricsStore, type EndpointMetrics } from '../delivery-metrics.js';
import { EndpointStateStore, type EndpointState } from '../endpoint-state.js';
import { AdminQueues, type PendingCounts } from './admin-queues.js';

export interface EndpointCounters {
  events: number;
  successes: number;
  failures: number;
  errors: number;
  internalErrors: number;
  deadLettered: number;
}

export interface EndpointOverview {
  name: string;
  url: string;
  /** `disabled` in the config: no worker delivers to it. */
  configDisabled: boolean;
  paused: boolean;
  state: EndpointState;
  pending: PendingCounts;
  deadLetters: number;
  counters: EndpointCounters;
}

/** One endpoint as the admin API shows it: its config, health, queue, dead letters and counters. */
@Injectable()
export class EndpointOverviews {
  constructor(
    private readonly config: RegistryConfig,
    private readonly queues: AdminQueues,
    private readonly states: EndpointStateStore,
    private readonly deadLetters: DeadLetterStore,
    private readonly metrics: DeliveryMetricsStore,
  ) {}

  /** The configured endpoints, in config order. */
  get endpoints(): readonly EndpointConfig[] {
    return this.config.notifications.endpoints;
  }

  endpoint(name: string): EndpointConfig | undefined {
    return this.endpoints.find((endpoint) => endpoint.name === name);
  }

  async overview(endpoint: EndpointConfig): Promise<EndpointOverview> {
    const { name } = endpoint;
    const [state, pending, paused, deadLetters, metrics] = await Promise.all([
      this.states.get(name),
      this.queues.pending(name),
      this.queues.isPaused(name),
      this.deadLetters.count(name),
      this.metrics.read(name),
    ]);
    const url = redactUrl(endpoint.url);
    return {
      name,
      url,
      configDisabled: endpoint.disabled,
      paused,
      state,
      pending,
      deadLetters,
      counters: counters(metrics),
    };
  }
}

function counters(metrics: EndpointMetrics): EndpointCounters {
  const sum = (type: string) =>
    metrics.events.filter((item) => item.type === type).reduce((total, item) => total + item.value, 0);
  return {
    events: sum('Events'),
    successes: sum('Successes'),
    failures: sum('Failures'),
    errors: sum('Errors'),
    internalErrors: metrics.errors,
    deadLettered: metrics.deadLettered,
  };
}

/** Credentials in an endpoint URL never leave the process. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username || parsed.password) {
      parsed.username = 'redacted';
      parsed.password = '';
    }
    return parsed.toString();
  } catch {
    return url;
  }
}
