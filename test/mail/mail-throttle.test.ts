import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { MailThrottle } from '@app/mail';
import { cleanRedis, uniquePrefix } from './support.js';

// The de-duplication state against the machine's Redis, under a prefix of this file's own.
describe('MailThrottle (Redis)', () => {
  const prefix = uniquePrefix();
  const redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
  const WINDOW = 60_000;
  // A fixed clock inside one cap bucket, so the cap bucket does not roll over during the test.
  const t0 = Math.floor(Date.now() / WINDOW) * WINDOW + 1_000;

  beforeAll(() => redis.connect());
  afterAll(async () => {
    await cleanRedis(prefix);
    redis.disconnect();
  });

  it('two processes sharing Redis: the first occurrence mails, the rest (from either) are counted for the follow-up', async () => {
    const registry = new MailThrottle(redis, { prefix, window: WINDOW, maxPerWindow: 10 });
    const second = redis.duplicate();
    const worker = new MailThrottle(second, { prefix, window: WINDOW, maxPerWindow: 10 });
    expect(await registry.register('fp-a', 40, '{"subject":"a"}', t0)).toEqual({ action: 'mail', window: t0 });
    expect(await worker.register('fp-a', 2, '{"subject":"a"}', t0 + 5)).toEqual({ action: 'count' });
    const closed = await worker.close('fp-a', t0, t0 + WINDOW);
    expect(closed).toEqual({ pending: 41, mail: true, sample: '{"subject":"a"}', next: t0 + WINDOW });
    expect(await registry.close('fp-a', t0, t0 + WINDOW + 10)).toEqual(closed);
    expect(await registry.close('fp-a', t0 + WINDOW, t0 + 2 * WINDOW)).toEqual({ pending: 0, mail: false });
    expect(await registry.register('fp-a', 1, '{"subject":"a"}', t0 + 2 * WINDOW + 1)).toMatchObject({
      action: 'mail',
    });
    second.disconnect();
  });

  it('past the cap a new fingerprint is held (counted whole) for its summary, not mailed', async () => {
    const throttle = new MailThrottle(redis, { prefix: `${prefix}-cap`, window: WINDOW, maxPerWindow: 2 });
    expect((await throttle.register('one', 1, '{}', t0)).action).toBe('mail');
    expect((await throttle.register('two', 1, '{}', t0)).action).toBe('mail');
    expect(await throttle.register('three', 5, '{}', t0)).toEqual({ action: 'hold', window: t0 });
    const closed = await throttle.close('three', t0, t0 + WINDOW);
    expect(closed).toMatchObject({ pending: 5, mail: true, next: t0 + WINDOW });
    await cleanRedis(`${prefix}-cap`);
  });
});
