import type { EndpointConfig } from '@app/config';

/**
 * The retry policy of an endpoint, as data (STYLE rule 6). The delay before retry i (0-based) is
 * `schedule[min(i, schedule.length - 1)]`, jittered; after `maxRetries` retries the event is dead-lettered.
 */
export interface RetryPolicy {
  schedule: readonly number[];
  maxRetries: number;
  /** Fraction of each delay by which it is spread at random (0.2: ±20 %). */
  jitter: number;
  /** Longest `Retry-After` honoured (ms); a longer one is cut to this. */
  maxRetryAfter: number;
}

/** Svix's schedule: immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (about 28 h in all). */
export const DEFAULT_SCHEDULE: readonly number[] = [5e3, 3e5, 18e5, 72e5, 18e6, 36e6, 36e6];
const DEFAULT_SPAN = DEFAULT_SCHEDULE.reduce((sum, delay) => sum + delay, 0);
/** distribution's defaults when only one of threshold/backoff is set. */
const DISTRIBUTION_THRESHOLD = 10;
const DISTRIBUTION_BACKOFF = 1_000;

/**
 * Which schedule an endpoint gets: its explicit `schedule`; else distribution's `threshold` immediate retries
 * then one every `backoff` (distribution retries forever: we stop after `maxretries`, by default after about
 * as long as our default schedule); else the default schedule, cut or extended to `maxretries`.
 */
export function retryPolicyFor(endpoint: EndpointConfig): RetryPolicy {
  const common = { jitter: endpoint.jitter, maxRetryAfter: endpoint.maxretryafter };
  if (endpoint.schedule?.length)
    return { ...common, schedule: endpoint.schedule, maxRetries: endpoint.schedule.length };
  if (endpoint.threshold !== undefined || endpoint.backoff !== undefined) {
    const threshold = endpoint.threshold ?? DISTRIBUTION_THRESHOLD;
    const backoff = endpoint.backoff || DISTRIBUTION_BACKOFF;
    const maxRetries = endpoint.maxretries ?? threshold + Math.ceil(DEFAULT_SPAN / backoff);
    return { ...common, schedule: [...Array<number>(threshold).fill(0), backoff], maxRetries };
  }
  return { ...common, schedule: DEFAULT_SCHEDULE, maxRetries: endpoint.maxretries ?? DEFAULT_SCHEDULE.length };
}

/** What one attempt produced, as the sender saw it. */
export interface AttemptResult {
  /** HTTP status; absent when no response came. */
  status?: number;
  /** The `Retry-After` response header, raw. */
  retryAfter?: string;
  /** Connection error or timeout. */
  error?: string;
  latencyMs: number;
  /** The first 4 KiB of the response body. */
  body?: string;
}

export type Verdict =
  { kind: 'delivered' } | { kind: 'retry'; delayMs: number } | { kind: 'giveup'; reason: string; gone: boolean };

const DELIVERED: Verdict = Object.freeze({ kind: 'delivered' });

/**
 * The one place that decides what an attempt means. `attempt` is the 1-based number of the attempt just
 * made. 2xx and 3xx (not followed, as distribution) are delivered; 410 gives up at once and marks the
 * endpoint gone; 429/503 wait `Retry-After` (bounded); anything else, a connection error or a timeout is
 * retried on the schedule until it is exhausted.
 */
export function classifyAttempt(
  policy: RetryPolicy,
  result: AttemptResult,
  attempt: number,
  now = Date.now(),
  random = Math.random,
): Verdict {
  const status = result.status;
  if (status !== undefined && status >= 200 && status < 400) return DELIVERED;
  if (status === 410) return { kind: 'giveup', reason: 'endpoint answered 410 Gone', gone: true };
  const retry = attempt - 1;
  if (retry >= policy.maxRetries) {
    const last = status !== undefined ? `status ${status}` : (result.error ?? 'no response');
    return { kind: 'giveup', reason: `retries exhausted after ${attempt} attempts (last: ${last})`, gone: false };
  }
  if (status === 429 || status === 503) {
    const wait = parseRetryAfter(result.retryAfter, now);
    if (wait !== undefined) return { kind: 'retry', delayMs: Math.min(wait, policy.maxRetryAfter) };
  }
  const base = policy.schedule[Math.min(retry, policy.schedule.length - 1)] ?? 0;
  return { kind: 'retry', delayMs: jittered(base, policy.jitter, random) };
}

/** `Retry-After` as delay-seconds or an HTTP date, in ms from `now`; undefined when absent or malformed. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = /^[A-Za-z]{3}, /.test(trimmed) ? Date.parse(trimmed) : NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function jittered(delay: number, jitter: number, random: () => number): number {
  if (delay === 0 || jitter === 0) return delay;
  return Math.max(0, Math.round(delay * (1 + jitter * (2 * random() - 1))));
}
