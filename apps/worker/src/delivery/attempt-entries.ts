import type { EventCounterType, EnvelopeAttempt } from '@app/records';
import type { AttemptItem } from './delivery-recorder.js';
import type { AttemptResult } from './retry-policy.js';

/** The metric counters the items add to: one increment per (type, action), however many events share it. */
export function eventCounters(
  items: readonly AttemptItem[],
): { type: EventCounterType; action: string; events: number }[] {
  const counters = new Map<string, { type: EventCounterType; action: string; events: number }>();
  const tally = (type: EventCounterType, action: string) => {
    const counter = counters.get(`${type}|${action}`);
    if (counter) counter.events++;
    else counters.set(`${type}|${action}`, { type, action, events: 1 });
  };
  for (const { attempt, event, verdict, result } of items) {
    if (attempt === 1) tally('Events', event.action);
    const kind = verdict.kind === 'delivered' ? 'Successes' : result.status !== undefined ? 'Failures' : 'Errors';
    tally(kind, event.action);
  }
  return [...counters.values()];
}

/** The items' attempts as stored: one per envelope (the items that share a result), each event's own part in it. */
export function envelopeAttempts(endpoint: string, items: readonly AttemptItem[], at: Date): EnvelopeAttempt[] {
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
