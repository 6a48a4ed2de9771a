import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { fromObject, type RegistryConfig } from '@app/config';
import { createLogger } from '@app/logging';
import { MailAlerting, SmtpMailer, mailSettings } from '@app/mail';
import { RegistryError, RegistryErrorFilter } from '../../apps/registry/src/errors/index.js';
import { accessLog } from '../../apps/registry/src/listeners/index.js';
import { MailConsumer } from '../../apps/worker/src/mail/mail-consumer.js';
import { SmtpSink } from './smtp-sink.js';
import { CapturedLog, cleanRedis, uniquePrefix } from './support.js';

/** Routes standing in for the registry's: one hits an internal failure, the others are the client's fault. */
@Controller()
class ThrowingController {
  @Get('v2/library/app/blobs/boom')
  boom(): never {
    throw new TypeError("Cannot read properties of undefined (reading 'digest')");
  }

  @Get('v2/library/app/blobs/unknown')
  unknown(): never {
    throw new RegistryError('BLOB_UNKNOWN');
  }
}

@Module({ controllers: [ThrowingController] })
class ThrowingModule {}

/**
 * The registry's HTTP error path (its RegistryErrorFilter, access-log middleware that assigns the request id,
 * and the app's logger with the mail hook) in a small Nest app: the HTTP core's controllers are not here yet.
 */
describe('a request that ends in a 500 is mailed once; 4xx answers are not', () => {
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('one mail with method, path, request id, status and stack for the 500; none for 404s', async () => {
    const smtp = await SmtpSink.start();
    cleanups.push(() => smtp.stop());
    const config: RegistryConfig = fromObject({
      version: '0.1',
      storage: { filesystem: { rootdirectory: '/tmp/mailtest-unused' } },
      redis: { addr: '127.0.0.1:6379', prefix: uniquePrefix() },
      log: { level: 'info', formatter: 'json', hooks: [{ type: 'mail', options: { smtp: { addr: smtp.addr }, from: 'registry@example.test', to: 'ops@example.test', window: '2s' } }] },
    });
    cleanups.push(() => cleanRedis(config.redis.prefix));
    const settings = mailSettings(config)!;
    const log = new CapturedLog();
    const consumer = new MailConsumer(settings, config.redis, new SmtpMailer(settings), pino({ level: 'warn' }, new CapturedLog()));
    consumer.start();
    cleanups.push(() => consumer.close());
    const mail = MailAlerting.fromConfig(config, { app: 'registry', instance: 'instance-under-test', version: 'test' });
    cleanups.push(() => mail.close());
    const logger = createLogger({ config: config.log, bindings: { app: 'registry' }, hooks: mail.hooks, destination: log });
    const app = await NestFactory.create<NestExpressApplication>(ThrowingModule, { logger: false, bodyParser: false });
    app.use(accessLog({ logger, disabled: false }));
    app.useGlobalFilters(new RegistryErrorFilter(logger));
    await app.listen(0, '127.0.0.1');
    cleanups.push(() => app.close());
    const base = await app.getUrl();

    for (let i = 0; i < 3; i++) expect((await fetch(`${base}/v2/library/app/blobs/unknown`)).status).toBe(404);
    expect((await fetch(`${base}/v2/no/such/route`)).status).toBe(404);
    const failed = await fetch(`${base}/v2/library/app/blobs/boom`);
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({ errors: [{ code: 'UNKNOWN', message: 'an internal error occurred' }] });

    const [{ mail: message }] = await smtp.waitForMails(1);
    await new Promise((resolve) => setTimeout(resolve, settings.window + 1_000));
    expect(smtp.received).toHaveLength(1);
    const completed = log.lines().find((line) => line.msg === 'response completed' && line['http.response.status'] === 500)!;
    const requestId = String(completed['http.request.id']);
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(message.subject).toBe("[registry] error in registry: request failed with 500: Cannot read properties of undefined (reading 'digest')");
    for (const part of [`requestId: ${requestId}`, 'method: GET', 'path: /v2/library/app/blobs/boom', 'status: 500', 'instance: instance-under-test', 'TypeError: Cannot read properties', 'at ThrowingController.boom']) {
      expect(message.text).toContain(part);
    }
    const errorLines = log.lines().filter((line) => line.level === 'error');
    expect(errorLines).toHaveLength(1);
    expect(errorLines[0]).toMatchObject({ method: 'GET', path: '/v2/library/app/blobs/boom', requestId, status: 500, err: { type: 'TypeError' } });
  });
});
