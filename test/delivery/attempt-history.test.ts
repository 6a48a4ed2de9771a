import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { AttemptHistory, DeliveryKeys, type AttemptRecord, type EnvelopeAttempt } from '@app/records';

// Real Redis (the session's, on its standard port), under a prefix of this test's own.
const redis = new Redis({ host: '127.0.0.1', port: 6379 });
const prefix = `test-history-${randomUUID().slice(0, 8)}`;
const history = new AttemptHistory(redis, prefix, { attempts: 1000, maxage: 3_600_000 });

afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

function envelope(endpoint: string, ids: string[], fields: Partial<EnvelopeAttempt> = {}): EnvelopeAttempt {
  return { endpoint, status: 200, latencyMs: 1.5, response: 'ok', at: new Date().toISOString(), events: ids.map((eventId) => ({ eventId, attempt: 1, outcome: 'delivered' })), ...fields };
}

async function record(endpoint: string, envelopes: EnvelopeAttempt[]): Promise<void> {
  const tx = redis.multi();
  history.record(tx, endpoint, envelopes);
  await tx.exec();
}

describe('attempt history', () => {
  it('stores one stream entry per envelope and lists one record per event', async () => {
    const ids = ['e1', 'e2', 'e3'];
    await record('batched', [envelope('batched', ids)]);
    expect(await redis.xlen(DeliveryKeys.attempts(prefix, 'batched'))).toBe(1);
    const { attempts, next } = await history.list('batched');
    expect(next).toBeUndefined();
    expect(attempts.map((attempt) => attempt.eventId)).toEqual(ids);
    expect(attempts[0]).toMatchObject({ endpoint: 'batched', attempt: 1, outcome: 'delivered', status: 200, latencyMs: 1.5, response: 'ok' });
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

  it("gives each event its own outcome and keeps the tries of those not delivered", async () => {
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
    expect((await history.tries('mixed', 'later'))[0]).toMatchObject({ eventId: 'later', attempt: 2, status: 400, response: 'bad', nextAttemptAt: '2026-01-01T00:00:00.000Z' });
    expect(await history.tries('mixed', 'ok')).toEqual([]);
  });

  it('still lists entries written by earlier versions (one record each, field a)', async () => {
    const old: AttemptRecord = { eventId: 'old', endpoint: 'legacy', attempt: 1, outcome: 'delivered', status: 204, latencyMs: 3, at: new Date().toISOString() };
    await redis.xadd(DeliveryKeys.attempts(prefix, 'legacy'), '*', 'a', JSON.stringify(old));
    await record('legacy', [envelope('legacy', ['new'])]);
    const { attempts } = await history.list('legacy');
    expect(attempts.map((attempt) => attempt.eventId)).toEqual(['new', 'old']);
    expect(attempts[1]).toEqual(old);
  });

  it('answers an empty page to a cursor it did not make', async () => {
    expect(await history.list('batched', { before: 'garbage' })).toEqual({ attempts: [] });
  });
});
