import type { Redis } from 'ioredis';
import { GroupCommit } from '@app/async';
import type { EndpointConfig } from '@app/config';
import type { Event } from '@app/events';
import type { Logger } from '@app/logging';
import { DeliveryAlerts, type EndpointAlert } from '@app/mail';
import {
  AttemptHistory,
  DeadLetterStore,
  DeliveryMetricsStore,
  EndpointStateStore,
  transition,
  type StateTransition,
} from '@app/records';
import { envelopeAttempts, eventCounters } from './attempt-entries.js';
import type { AttemptResult, Verdict } from './retry-policy.js';

/** One event of an attempt (a job or a batch has several) with its own attempt number, verdict and response. */
export interface AttemptItem {
  event: Event;
  attempt: number;
  verdict: Verdict;
  /** What its envelope's POST got (several events may share one). */
  result: AttemptResult;
}

export interface RecorderStores {
  redis: Redis;
  history: AttemptHistory;
  state: EndpointStateStore;
  deadLetters: DeadLetterStore;
  metrics: DeliveryMetricsStore;
}

/** One attempt's items, as handed to the recorder. */
interface AttemptRecord {
  items: readonly AttemptItem[];
  at: Date;
}

/** Attempts recorded in one MULTI at most. */
const MAX_ATTEMPTS_PER_COMMIT = 256;

/**
 * Everything that follows an attempt besides settling its events: the attempt history, the metrics, the
 * endpoint's health (and its alerts), the dead-letter set. The attempts of an endpoint that finish while its
 * records are being written are written together next (group commit, as the registry commits its events):
 * one MULTI per group, however many attempts are in flight. Health transitions are atomic scripts, one per
 * attempt, so that concurrent attempts raise one alert, not one each.
 */
export class DeliveryRecorder {
  private readonly commits = new Map<string, GroupCommit<AttemptRecord>>();

  constructor(
    private readonly stores: RecorderStores,
    private readonly alerts: DeliveryAlerts,
    private readonly failingAfter: number,
    private readonly logger: Logger,
  ) {}

  /**
   * Records the events of one attempt (its envelope's events); resolves once written. The endpoint's health
   * sees one outcome per attempt: a success when it was delivered, else a failure with its result.
   */
  async record(endpoint: EndpointConfig, items: readonly AttemptItem[]): Promise<void> {
    if (items.length === 0) return;
    let commits = this.commits.get(endpoint.name);
    if (!commits) {
      commits = new GroupCommit((group) => this.commit(endpoint, group), MAX_ATTEMPTS_PER_COMMIT);
      this.commits.set(endpoint.name, commits);
    }
    await commits.add([{ items, at: new Date() }]);
  }

  private async commit(endpoint: EndpointConfig, attempts: readonly AttemptRecord[]): Promise<void> {
    const { redis, state, metrics, history } = this.stores;
    const tx = redis.multi();
    // The state scripts come first in the MULTI, one per attempt: reply i is attempt i's transition.
    const health = attempts.map(({ items, at }) => {
      const success = items.find((item) => item.verdict.kind === 'delivered');
      const result = (success ?? items[0]!).result;
      if (success) state.queueSuccess(tx, endpoint.name, result.status ?? 0, at);
      else state.queueFailure(tx, endpoint.name, this.failingAfter, result, at);
      return {
        result,
        outcome: success ? ('success' as const) : ('failure' as const),
        eventId: items[0]!.event.id,
      };
    });
    const items = attempts.flatMap((attempt) => attempt.items);
    metrics.recordResponses(tx, endpoint.name, [...new Set(items.map((item) => item.result))]);
    history.record(
      tx,
      endpoint.name,
      attempts.flatMap(({ items, at }) => envelopeAttempts(endpoint.name, items, at)),
    );
    for (const { type, action, events } of eventCounters(items)) {
      metrics.countEvents(tx, endpoint.name, type, action, events);
    }
    const replies = await tx.exec();
    for (const [index, { result, outcome, eventId }] of health.entries()) {
      this.reportHealth(endpoint, eventId, result, transition(replies?.[index], outcome));
    }
    for (const { items, at } of attempts) {
      for (const item of items) {
        if (item.verdict.kind === 'giveup') await this.deadLetter(endpoint, item.event, item.verdict.reason, at);
      }
    }
  }

  /** Marks the endpoint disabled (410); true when it was not already. */
  async disable(endpoint: EndpointConfig, reason: string, result: AttemptResult): Promise<boolean> {
    const changed = await this.stores.state.disable(endpoint.name, reason);
    if (changed) this.alerts.endpointDisabled(this.alert(endpoint, result, { lastError: reason }));
    return changed;
  }

  /** A failure of ours (not the endpoint's), counted in registry_notifications_errors_total. */
  async internalError(endpoint: EndpointConfig): Promise<void> {
    await this.stores.metrics.recordInternalError(endpoint.name);
  }

  /** One alert per transition: the state scripts make exactly one attempt see it. */
  private reportHealth(
    endpoint: EndpointConfig,
    eventId: string | undefined,
    result: AttemptResult,
    change: StateTransition,
  ): void {
    if (change.recovered)
      this.alerts.endpointRecovered(this.alert(endpoint, result, { failures: change.consecutiveFailures, eventId }));
    if (change.becameFailing) {
      this.logger.warn(
        { endpoint: endpoint.name, failures: change.consecutiveFailures, status: result.status, error: result.error },
        'endpoint failing',
      );
      this.alerts.endpointFailing(this.alert(endpoint, result, { failures: change.consecutiveFailures, eventId }));
    }
  }

  private async deadLetter(endpoint: EndpointConfig, event: Event, reason: string, at: Date): Promise<void> {
    const attempts = await this.stores.history.tries(endpoint.name, event.id);
    await this.stores.deadLetters.add({ endpoint: endpoint.name, event, reason, at: at.toISOString(), attempts });
    const tx = this.stores.redis.multi();
    this.stores.metrics.recordDeadLettered(tx, endpoint.name, 1);
    await tx.exec();
    this.logger.warn({ endpoint: endpoint.name, eventId: event.id, reason }, 'event dead-lettered');
    const last = attempts[0];
    this.alerts.eventDeadLettered({
      endpoint: endpoint.name,
      url: endpoint.url,
      eventId: event.id,
      lastStatus: last?.status,
      lastError: last?.error ?? reason,
      failures: attempts.length,
      at,
    });
  }

  private alert(endpoint: EndpointConfig, result: AttemptResult, extra: Partial<EndpointAlert>): EndpointAlert {
    return {
      endpoint: endpoint.name,
      url: endpoint.url,
      lastStatus: result.status,
      lastError: result.error,
      at: new Date(),
      ...extra,
    };
  }
}
