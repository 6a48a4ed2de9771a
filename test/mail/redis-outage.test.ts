import { afterEach, describe, expect, it } from 'vitest';
import { fromObject } from '@app/config';
import { MailOutbox, mailSettings, type MailReport } from '@app/mail';
import { RedisServer } from '@app/testing';

const report: MailReport = { fingerprint: 'outage-test', subject: 'x', text: 'y' };

describe('mail outbox across a Redis outage', () => {
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('fails fast while Redis is down (no crash, no hang), and hands off again once it is back', async () => {
    const redis = await RedisServer.start();
    cleanups.push(() => redis.stop());
    const config = fromObject({
      version: '0.1',
      storage: { inmemory: {} },
      redis: { addr: redis.addr },
      log: {
        hooks: [
          { type: 'mail', options: { smtp: { addr: '127.0.0.1:1' }, from: 'a@example.test', to: 'b@example.test' } },
        ],
      },
    });
    const outbox = new MailOutbox(mailSettings(config)!, config.redis);
    cleanups.push(() => outbox.close());
    await outbox.submit(report, 1, 2_000);
    await redis.kill();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const started = Date.now();
    await expect(outbox.submit(report, 1, 2_000)).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(2_500);
    await redis.restart();
    let handedOff = false;
    for (let i = 0; i < 50 && !handedOff; i++) {
      handedOff = await outbox.submit(report, 1, 1_000).then(
        () => true,
        () => false,
      );
      if (!handedOff) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(handedOff).toBe(true);
  });
});
