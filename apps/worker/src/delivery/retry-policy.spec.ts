import { describe, expect, it } from 'vitest';
import { EndpointConfig } from '@app/config';
import {
  classifyAttempt,
  DEFAULT_SCHEDULE,
  parseRetryAfter,
  retryPolicyFor,
  type RetryPolicy,
} from './retry-policy.js';

const endpoint = (fields: Partial<EndpointConfig>): EndpointConfig =>
  Object.assign(new EndpointConfig(), { name: 'e', url: 'http://x', ...fields });
const policy: RetryPolicy = { schedule: [100, 200], maxRetries: 3, jitter: 0, maxRetryAfter: 10_000 };
const noJitter = () => 0.5;

describe('retryPolicyFor', () => {
  it('uses an explicit schedule as is', () => {
    expect(retryPolicyFor(endpoint({ schedule: [50, 100], maxretries: 9 }))).toMatchObject({
      schedule: [50, 100],
      maxRetries: 2,
    });
  });

  it("keeps distribution's threshold (immediate retries) then backoff, bounded by maxretries", () => {
    const p = retryPolicyFor(endpoint({ threshold: 3, backoff: 2000, maxretries: 6 }));
    expect(p).toMatchObject({ schedule: [0, 0, 0, 2000], maxRetries: 6 });
  });

  it('bounds threshold/backoff without maxretries to about the default span', () => {
    const p = retryPolicyFor(endpoint({ threshold: 3, backoff: 3_600_000 }));
    expect(p.maxRetries).toBe(3 + 28);
  });

  it('defaults to the Svix-like schedule, cut to maxretries', () => {
    expect(retryPolicyFor(endpoint({}))).toMatchObject({ schedule: DEFAULT_SCHEDULE, maxRetries: 7, jitter: 0.2 });
    expect(retryPolicyFor(endpoint({ maxretries: 2 })).maxRetries).toBe(2);
  });
});

describe('classifyAttempt', () => {
  it('2xx and 3xx are delivered', () => {
    for (const status of [200, 202, 204, 301, 302, 304])
      expect(classifyAttempt(policy, { status, latencyMs: 1 }, 1)).toEqual({ kind: 'delivered' });
  });

  it('410 gives up at once and says the endpoint is gone', () => {
    expect(classifyAttempt(policy, { status: 410, latencyMs: 1 }, 1)).toMatchObject({ kind: 'giveup', gone: true });
  });

  it('4xx, 5xx, connection errors and timeouts retry on the schedule, then give up', () => {
    expect(classifyAttempt(policy, { status: 400, latencyMs: 1 }, 1, 0, noJitter)).toEqual({
      kind: 'retry',
      delayMs: 100,
    });
    expect(classifyAttempt(policy, { status: 500, latencyMs: 1 }, 2, 0, noJitter)).toEqual({
      kind: 'retry',
      delayMs: 200,
    });
    expect(classifyAttempt(policy, { error: 'ECONNREFUSED', latencyMs: 1 }, 3, 0, noJitter)).toEqual({
      kind: 'retry',
      delayMs: 200,
    });
    expect(classifyAttempt(policy, { error: 'timeout', latencyMs: 1 }, 4, 0, noJitter)).toMatchObject({
      kind: 'giveup',
      gone: false,
    });
  });

  it('spreads delays by the jitter fraction', () => {
    const jittery = { ...policy, jitter: 0.2 };
    expect(classifyAttempt(jittery, { status: 500, latencyMs: 1 }, 1, 0, () => 0)).toEqual({
      kind: 'retry',
      delayMs: 80,
    });
    expect(classifyAttempt(jittery, { status: 500, latencyMs: 1 }, 1, 0, () => 1)).toEqual({
      kind: 'retry',
      delayMs: 120,
    });
  });

  it('honours Retry-After on 429 and 503 within maxRetryAfter', () => {
    expect(classifyAttempt(policy, { status: 429, retryAfter: '3', latencyMs: 1 }, 1)).toEqual({
      kind: 'retry',
      delayMs: 3000,
    });
    expect(classifyAttempt(policy, { status: 503, retryAfter: '3600', latencyMs: 1 }, 1)).toEqual({
      kind: 'retry',
      delayMs: 10_000,
    });
    expect(classifyAttempt(policy, { status: 429, retryAfter: 'soon', latencyMs: 1 }, 1, 0, noJitter)).toEqual({
      kind: 'retry',
      delayMs: 100,
    });
    expect(classifyAttempt(policy, { status: 500, retryAfter: '3', latencyMs: 1 }, 1, 0, noJitter)).toEqual({
      kind: 'retry',
      delayMs: 100,
    });
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    const now = Date.parse('2026-11-26T10:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Thu, 26 Nov 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Thu, 26 Nov 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('-1')).toBeUndefined();
  });
});
