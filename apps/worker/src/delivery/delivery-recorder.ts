import type { Redis } from 'ioredis';
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
  type EnvelopeAttempt,
  type EventCounterType,
  type StateTransition,
} from '@app/records';
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

/**
 * Everything that follows an attempt besides moving the job: the attempt history, the metrics, the
 * endpoint's health (and its alerts), the dead-letter set. One MULTI for history and metrics; health
 * transitions are atomic scripts so that concurrent attempts raise one alert, not one each.
 */
export class DeliveryRecorder {
  constructor(
    private readonly stores: RecorderStores,
    private readonly alerts: DeliveryAlerts,
    private readonly failingAfter: number,
    private readonly logger: Logger,
  ) {}

  /**
   * Records the events of one attempt (every envelope of a job, or of a batch of jobs). The endpoint's health
   * sees one outcome: a success when any envelope was delivered, else a failure with the first envelope's result.
   */
  async record(endpoint: EndpointConfig, items: readonly AttemptItem[]): Promise<void> {
    if (items.length === 0) return;
    const at = new Date();
    const tx = this.stores.redis.multi();
    const success = items.find((item) => item.verdict.kind === 'delivered');
    const result = (success ?? items[0]!).result;
    if (success) this.stores.state.queueSuccess(tx, endpoint.name, result.status ?? 0, at);
    else
      this.stores.state.queueFailure(
        tx,
        endpoint.name,
        this.failingAfter,
        { status: result.status, error: result.error },
        at,
      );
    this.stores.metrics.recordResponses(tx, endpoint.name, [...new Set(items.map((item) => item.result))]);
    this.stores.history.record(tx, endpoint.name, envelopeAttempts(endpoint.name, items, at));
    // One increment per (type, action), however many events share it.
    const counters = new Map<string, { type: EventCounterType; action: string; events: number }>();
    const tally = (type: EventCounterType, action: string) => {
      const counter = counters.get(`${type}|${action}`);
      if (counter) counter.events++;
      else counters.set(`${type}|${action}`, { type, action, events: 1 });
    };
    for (const item of items) {
      if (item.attempt === 1) tally('Events', item.event.action);
      tally(
        item.verdict.kind === 'delivered' ? 'Successes' : item.result.status !== undefined ? 'Failures' : 'Errors',
        item.event.action,
      );
    }
    for (const { type, action, events } of counters.values())
      this.stores.metrics.countEvents(tx, endpoint.name, type, action, events);
    const replies = await tx.exec();
    this.reportHealth(endpoint, items[0]!.event.id, result, transition(replies?.[0], success ? 'success' : 'failure'));
    for (const item of items) {
      if (item.verdict.kind === 'giveup') await this.deadLetter(endpoint, item.event, item.verdict.reason, at);
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

/** The items' attempts as stored: one per envelope (the items that share a result), each event's own part in it. */
function envelopeAttempts(endpoint: string, items: readonly AttemptItem[], at: Date): EnvelopeAttempt[] {
  const envelopes = new Map<AttemptResult, EnvelopeAttempt>();
  for (const { event, attempt, verdict, result } of items) {
    let envelope = envelopes.get(result);
    if (!envelope) {
      const { status, error, body } = result;
      envelope = {
        endpoint,
        status,
        latencyMs: Math.round(result.latencyMs * 100) / 100,
        error,
        response: body || undefined,
        at: at.toISOString(),
        events: [],
      };
      envelopes.set(result, envelope);
    }
    envelope.events.push({
      eventId: event.id,
      attempt,
      outcome: verdict.kind === 'giveup' ? 'gaveup' : verdict.kind,
      nextAttemptAt: verdict.kind === 'retry' ? new Date(at.getTime() + verdict.delayMs).toISOString() : undefined,
      reason: verdict.kind === 'giveup' && !result.error ? verdict.reason : undefined,
    });
  }
  return [...envelopes.values()];
}
