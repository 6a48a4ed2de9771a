import { Injectable } from '@nestjs/common';
import type { EndpointConfig } from '@app/config';
import { AttemptHistory, type AttemptPage, type AttemptQuery } from '../attempt-history.js';
import { DeadLetterStore, type DeadLetterEntry, type DeadLetterSelector } from '../dead-letter-store.js';
import { EndpointStateStore } from '../endpoint-state.js';
import { AdminQueues } from './admin-queues.js';
import { EndpointOverviews, type EndpointOverview } from './endpoint-overviews.js';

/**
 * The admin plane's reads and controls over the delivery records: endpoints with their state and counters,
 * attempts, dead letters, enabling an endpoint a 410 disabled. (Replay and test events, which enqueue, are
 * Redelivery's; the event and audit queries read the audit store.)
 */
@Injectable()
export class AdminService {
  constructor(
    private readonly overviews: EndpointOverviews,
    private readonly queues: AdminQueues,
    private readonly history: AttemptHistory,
    private readonly deadLetters: DeadLetterStore,
    private readonly states: EndpointStateStore,
  ) {}

  /** A configured endpoint by name. */
  endpoint(name: string): EndpointConfig | undefined {
    return this.overviews.endpoint(name);
  }

  /** Every configured endpoint, in config order. */
  endpoints(): Promise<EndpointOverview[]> {
    return Promise.all(this.overviews.endpoints.map((endpoint) => this.overviews.overview(endpoint)));
  }

  overview(endpoint: EndpointConfig): Promise<EndpointOverview> {
    return this.overviews.overview(endpoint);
  }

  /** Attempts newest first (AttemptHistory.list). */
  attempts(endpoint: EndpointConfig, query: AttemptQuery): Promise<AttemptPage> {
    return this.history.list(endpoint.name, query);
  }

  /** Dead letters oldest first, with their last attempts. */
  deadLetterList(endpoint: EndpointConfig, selector: DeadLetterSelector): Promise<DeadLetterEntry[]> {
    return this.deadLetters.list(endpoint.name, selector);
  }

  /** Resumes the endpoint's queue (paused by a 410 or an operator), marks it healthy; returns its overview. */
  async enable(endpoint: EndpointConfig): Promise<EndpointOverview> {
    await this.queues.resume(endpoint.name);
    await this.states.enable(endpoint.name);
    return this.overviews.overview(endpoint);
  }
}
