import { setTimeout as sleep } from 'node:timers/promises';
import type { EndpointConfig } from '@app/config';
import type { Logger } from '@app/logging';
import type { CircuitBreaker } from './circuit-breaker.js';
import type { AttemptItem, DeliveryRecorder } from './delivery-recorder.js';
import type { Pending } from './ordering.js';
import { classifyAttempt, type AttemptResult, type RetryPolicy } from './retry-policy.js';
import type { WebhookSender } from './webhook-sender.js';

export interface RetryingSenderParts {
  sender: WebhookSender;
  policy: RetryPolicy;
  breaker: CircuitBreaker;
  recorder: DeliveryRecorder;
  logger: Logger;
}

/** Delay before trying again after a failure of ours (Redis unreachable while recording, say). */
const INTERNAL_RETRY_MS = 1_000;

/**
 * distribution's retryingSink, with a schedule: sends an envelope, through the circuit breaker, until each of
 * its events is delivered or given up (dead-lettered by the recorder), waiting the policy's delay between
 * attempts. Only its lane waits meanwhile. A 410 Gone calls `gone` (the endpoint is disabled).
 */
export class RetryingSender {
  constructor(
    private readonly endpoint: EndpointConfig,
    private readonly parts: RetryingSenderParts,
    private readonly gone: (result: AttemptResult) => Promise<void>,
  ) {}

  /** True once every event is settled; false when `signal` aborted first (the events left stay unsettled). */
  async deliver(envelope: readonly Pending[], signal: AbortSignal): Promise<boolean> {
    let left = envelope;
    while (left.length > 0) {
      let probe: boolean;
      try {
        probe = await this.parts.breaker.admit(signal);
      } catch {
        return false;
      }
      const next = await this.attempt(left, probe);
      left = next.left;
      if (left.length > 0) await sleep(next.delayMs, undefined, { signal }).catch(() => undefined);
    }
    return true;
  }

  /** One attempt of the events left: those to try again and after how long (the longest of their delays). */
  private async attempt(left: readonly Pending[], probe: boolean): Promise<{ left: Pending[]; delayMs: number }> {
    const { sender, policy, breaker, recorder, logger } = this.parts;
    let delivered = false;
    try {
      const result = await sender.send(left.map((pending) => pending.event));
      const items = left.map((pending): AttemptItem & { pending: Pending } => {
        const attempt = pending.job.attemptsOf(pending.event.id) + 1;
        return { pending, event: pending.event, attempt, result, verdict: classifyAttempt(policy, result, attempt) };
      });
      delivered = items.some((item) => item.verdict.kind === 'delivered');
      await recorder.record(this.endpoint, items);
      let delayMs = 0;
      const retrying: Pending[] = [];
      for (const { pending, event, attempt, verdict } of items) {
        if (verdict.kind !== 'retry') pending.job.settle(event.id);
        else {
          delayMs = Math.max(delayMs, verdict.delayMs);
          retrying.push(pending);
          await pending.job.failed(event.id, attempt);
        }
      }
      if (items.some((item) => item.verdict.kind === 'giveup' && item.verdict.gone)) await this.gone(result);
      return { left: retrying, delayMs };
    } catch (error) {
      const eventIds = left.map((pending) => pending.event.id);
      logger.error({ err: error, endpoint: this.endpoint.name, eventIds }, 'delivery failed internally');
      await recorder.internalError(this.endpoint).catch(() => undefined);
      return { left: [...left], delayMs: INTERNAL_RETRY_MS };
    } finally {
      breaker.settle(delivered, probe);
    }
  }
}
