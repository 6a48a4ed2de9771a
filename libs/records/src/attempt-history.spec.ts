import { afterAll, describe, expect, it } from 'vitest';
import { deleteKeys, testRedisClient, testRedisConfig } from '@app/testing';
import { AttemptHistory, type EnvelopeAttempt } from './attempt-history.js';
import { DeliveryKeys } from './delivery-keys.js';

// Real Redis, under a prefix of this file's own.
const config = testRedisConfig();
const prefix = config.redis.prefix;
const redis = testRedisClient(config);
const history = new AttemptHistory(redis, prefix, { attempts: 1000, maxage: 3_600_000 });

afterAll(async () => {
  await deleteKeys(redis, prefix);
  await redis.quit();
});

function envelope(endpoint: string, ids: string[], fields: Partial<EnvelopeAttempt> = {}): EnvelopeAttempt {
  const events = ids.map((eventId) => ({ eventId, attempt: 1, outcome: 'delivered' as const }));
  return { endpoint, status: 200, latencyMs: 1.5, response: 'ok', at: new Date().toISOString(), events, ...fields };
}

async function record(endpoint: string, envelopes: EnvelopeAttempt[]): Promise<void> {
  const tx = redis.multi();
  history.record(tx, endpoint, envelopes);
  await tx.exec();
}

function failure(endpoint: string, eventId: string, attempt: number, status = 500): EnvelopeAttempt {
  const outcome = attempt < 3 ? ('retry' as const) : ('gaveup' as const);
  return envelope(endpoint, [eventId], { status, response: 'nope', events: [{ eventId, attempt, outcome }] });
}

describe('AttemptHistory', () => {
  it('stores one stream entry per envelope and lists one record per event', async () => {
    const ids = ['e1', 'e2', 'e3'];
    await record('batched', [envelope('batched', ids)]);
    expect(await redis.xlen(DeliveryKeys.attempts(prefix, 'batched'))).toBe(1);
    const { attempts, next } = await history.list('batched');
    expect(next).toBeUndefined();
    expect(attempts.map((attempt) => attempt.eventId)).toEqual(ids);
    expect(attempts[0]).toMatchObject({ endpoint: 'batched', attempt: 1, outcome: 'delivered', status: 200 });
    expect(attempts[0]).toMatchObject({ latencyMs: 1.5, response: 'ok' });
  });

  it('records nothing for no envelopes', async () => {
    await record('none', []);
    expect(await redis.exists(DeliveryKeys.attempts(prefix, 'none'))).toBe(0);
  });

  it('pages through the records of several envelopes, a cursor may fall inside an envelope', async () => {
    await record('paged', [envelope('paged', ['a1', 'a2', 'a3'])]);
    await record('paged', [envelope('paged', ['b1', 'b2'])]);
    const seen: string[] = [];
    let before: string | undefined;
    for (let page = 0; page < 10; page++) {
      const result = await history.list('paged', { limit: 2, before });
      seen.push(...result.attempts.map((attempt) => attempt.eventId));
      if (!result.next) break;
      before = result.next;
    }
    // Newest envelope first, each envelope's events in envelope order; none repeated, none skipped.
    expect(seen).toEqual(['b1', 'b2', 'a1', 'a2', 'a3']);
  });

  it('gives each event its own outcome and keeps the tries of those not delivered', async () => {
    const failed = envelope('mixed', ['ok', 'later', 'never'], {
      status: 400,
      response: 'bad',
      events: [
        { eventId: 'ok', attempt: 1, outcome: 'delivered' },
        { eventId: 'later', attempt: 2, outcome: 'retry', nextAttemptAt: '2026-01-01T00:00:00.000Z' },
        { eventId: 'never', attempt: 8, outcome: 'gaveup', reason: 'retries exhausted' },
      ],
    });
    await record('mixed', [failed]);
    const { attempts } = await history.list('mixed', { status: 'failed' });
    expect(attempts.map((attempt) => [attempt.eventId, attempt.outcome, attempt.error])).toEqual([
      ['later', 'retry', undefined],
      ['never', 'gaveup', 'retries exhausted'],
    ]);
    expect((await history.list('mixed', { eventId: 'never' })).attempts).toHaveLength(1);
    const tries = await history.tries('mixed', 'later');
    expect(tries[0]).toMatchObject({ eventId: 'later', attempt: 2, status: 400, response: 'bad' });
    expect(tries[0]!.nextAttemptAt).toBe('2026-01-01T00:00:00.000Z');
    expect(await history.tries('mixed', 'ok')).toEqual([]);
  });

  it('filters by HTTP status and by outcome', async () => {
    await record('filtered', [
      failure('filtered', 'x', 1, 503),
      failure('filtered', 'x', 2),
      failure('filtered', 'x', 3),
    ]);
    await record('filtered', [envelope('filtered', ['y'], { status: 204 })]);
    const statuses = async (status: string) =>
      (await history.list('filtered', { status })).attempts.map((a) => a.status);
    expect(await statuses('500')).toEqual([500, 500]);
    expect(await statuses('503')).toEqual([503]);
    expect(await statuses('delivered')).toEqual([204]);
    expect(await statuses('retry')).toEqual([500, 503]);
    expect(await statuses('gaveup')).toEqual([500]);
    expect(await statuses('failed')).toEqual([500, 500, 503]);
    expect(await statuses('')).toEqual([204, 500, 500, 503]);
  });

  it('keeps the last ten tries of an event newest first, and forgets them once it is delivered', async () => {
    const tries = Array.from({ length: 12 }, (_, index) => failure('tries', 'z', index + 1));
    await record(
      'tries',
      tries.map((item) => ({ ...item, events: [{ ...item.events[0]!, outcome: 'retry' as const }] })),
    );
    const kept = await history.tries('tries', 'z');
    expect(kept.map((item) => item.attempt)).toEqual([12, 11, 10, 9, 8, 7, 6, 5, 4, 3]);
    expect(await redis.pttl(DeliveryKeys.tries(prefix, 'tries', 'z'))).toBeGreaterThan(3_000_000);
    await record('tries', [
      envelope('tries', ['z'], { events: [{ eventId: 'z', attempt: 13, outcome: 'delivered' }] }),
    ]);
    expect(await history.tries('tries', 'z')).toEqual([]);
  });

  it('bounds a page to 1..1000 records', async () => {
    expect((await history.list('paged', { limit: 0 })).attempts).toHaveLength(1);
    expect((await history.list('paged', { limit: 5000 })).attempts).toHaveLength(5);
  });

  it('answers an empty page to a cursor it did not make', async () => {
    expect(await history.list('batched', { before: 'garbage' })).toEqual({ attempts: [] });
  });
});
