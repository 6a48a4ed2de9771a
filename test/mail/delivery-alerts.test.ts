import { afterEach, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { HttpReceiver, RedisServer } from '@app/testing';
import { addDeliveryJob, QueueNames, type DeliveryJob } from '@app/queue';
import { startWorker } from '../support/index.js';
import { makeEvent } from '../delivery/delivery-harness.js';
import { SmtpSink } from './smtp-sink.js';

// The built worker as a real process: its delivery pipeline raises the alerts, its mail consumer sends them.
describe('delivery alerts by mail (worker process)', () => {
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
  });

  it('an endpoint that fails 3 times then recovers: one "failing" mail, then one "recovered" mail', async () => {
    const redis = await RedisServer.start();
    cleanups.push(() => redis.stop());
    const smtp = await SmtpSink.start();
    cleanups.push(() => smtp.stop());
    const rx = await HttpReceiver.start();
    cleanups.push(() => rx.stop());
    rx.responder = (_request, response) => void response.writeHead(rx.requests.length <= 3 ? 500 : 200).end();
    const worker = await startWorker({
      config: {
        storage: { filesystem: { rootdirectory: '/tmp/registry-mail-alerts-test' } },
        redis: { addr: redis.addr },
        log: {
          hooks: [
            {
              type: 'mail',
              options: {
                smtp: { addr: smtp.addr },
                from: 'registry@example.test',
                to: 'ops@example.test',
                window: '5s',
              },
            },
          ],
        },
        notifications: {
          alerts: { failingafter: 3 },
          endpoints: [
            { name: 'deploy-hook', url: rx.url, schedule: ['100ms', '100ms', '100ms', '100ms', '100ms'], jitter: 0 },
          ],
        },
      },
    });
    cleanups.push(() => worker.dispose());
    const client = new Redis({ port: redis.port, maxRetriesPerRequest: null });
    client.on('error', () => undefined);
    const queue = new Queue<DeliveryJob>(QueueNames.delivery('deploy-hook'), {
      connection: client,
      prefix: 'registry',
    });
    cleanups.push(async () => {
      await queue.close();
      client.disconnect();
    });
    const event = makeEvent();
    await addDeliveryJob(queue, [event]);

    await smtp.waitForMails(2, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(rx.requests).toHaveLength(4);
    expect(smtp.subjects()).toEqual([
      '[registry] endpoint deploy-hook is failing (3 consecutive failed attempts)',
      '[registry] endpoint deploy-hook recovered',
    ]);
    const [failing, recovered] = smtp.received.map(({ mail }) => mail.text ?? '');
    expect(failing).toContain(`url: ${rx.url}`);
    expect(failing).toContain('last status: 500');
    expect(failing).toContain('app: worker');
    expect(recovered).toContain('endpoint: deploy-hook');
  }, 60_000);
});
