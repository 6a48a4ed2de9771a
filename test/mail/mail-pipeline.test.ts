import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { fromObject, type RegistryConfig } from '@app/config';
import { createLogger, type Logger } from '@app/logging';
import {
  MailAlerting,
  MailDeliveryAlerts,
  ReportBuffer,
  MailOutbox,
  SmtpMailer,
  mailSettings,
  type MailSettings,
} from '@app/mail';
import { freePort } from '@app/testing';
import { MailConsumer } from '../../apps/worker/src/mail/mail-consumer.js';
import { SmtpSink } from './smtp-sink.js';
import { CapturedLog, cleanRedis, uniquePrefix } from './support.js';

const PASSWORD = 'Sup3r-Secret-Pa55';
const CONTEXT = { app: 'registry', instance: 'test-instance', version: 'test' };

/** A whole config with a mail hook pointing at `smtpAddr`, on the machine's Redis under a unique prefix. */
function config(smtpAddr: string, mail: Record<string, unknown> = {}): RegistryConfig {
  return fromObject({
    version: '0.1',
    storage: { filesystem: { rootdirectory: '/tmp/mailtest-unused' } },
    redis: { addr: '127.0.0.1:6379', prefix: uniquePrefix() },
    log: {
      level: 'info',
      formatter: 'json',
      hooks: [
        {
          type: 'mail',
          levels: ['panic', 'error'],
          options: {
            smtp: { addr: smtpAddr, username: 'alerts', password: PASSWORD },
            from: 'registry@example.test',
            to: ['ops@example.test'],
            window: '2s',
            maxperwindow: 5,
            maxbackoff: '500ms',
            timeout: '2s',
            ...mail,
          },
        },
      ],
    },
  });
}

describe('mail pipeline: log hook → Redis throttle → mail queue → worker consumer → SMTP', () => {
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function sink(port?: number): Promise<SmtpSink> {
    const started = await SmtpSink.start({
      port,
      auth: { username: 'alerts', password: PASSWORD, methods: ['PLAIN', 'LOGIN'] },
    });
    cleanups.push(() => started.stop());
    return started;
  }

  function consumer(cfg: RegistryConfig, settings: MailSettings, log: CapturedLog): MailConsumer {
    const started = new MailConsumer(settings, cfg.redis, new SmtpMailer(settings), pino({ level: 'info' }, log));
    started.start();
    cleanups.push(() => started.close());
    return started;
  }

  function appLogger(cfg: RegistryConfig, log: CapturedLog): { logger: Logger; alerting: MailAlerting } {
    const alerting = MailAlerting.fromConfig(cfg, CONTEXT);
    const logger = createLogger({ config: cfg.log, hooks: alerting.hooks, destination: log });
    cleanups.push(() => alerting.close());
    cleanups.push(() => cleanRedis(cfg.redis.prefix));
    return { logger, alerting };
  }

  it('a storm of 10,000 identical errors: one mail at once, one follow-up with the exact count, within the cap', async () => {
    const smtp = await sink();
    const cfg = config(smtp.addr);
    const settings = mailSettings(cfg)!;
    const log = new CapturedLog();
    consumer(cfg, settings, log);
    const { logger } = appLogger(cfg, log);
    for (let batch = 0; batch < 10; batch++) {
      for (let i = 0; i < 1_000; i++) {
        const n = batch * 1_000 + i;
        logger.error(
          {
            err: new Error(`blob sha256:${n.toString(16).padStart(64, '0')} unreadable after ${n} ms`),
            requestId: `req-${n}`,
          },
          'storage failure',
        );
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    await smtp.waitForMails(1);
    expect(smtp.subjects()[0]).toMatch(
      /^\[registry\] error in registry: storage failure: blob sha256:0{64} unreadable/,
    );
    await smtp.waitForMails(2, 10_000);
    await new Promise((resolve) => setTimeout(resolve, settings.window * 2 + 500));
    expect(smtp.received).toHaveLength(2);
    expect(smtp.subjects()[1]).toMatch(/^\[registry\] \[9999x\] error in registry: storage failure/);
    expect(smtp.received[1].mail.text).toContain('count: 9999');
    expect(smtp.received[0].mail.text).toContain('requestId: req-0');
    expect(smtp.received[0].mail.text).toMatch(/stack:\n.*Error: blob/);
  });

  it('caps the mails of one window over all fingerprints', async () => {
    const smtp = await sink();
    const cfg = config(smtp.addr, { window: '3s', maxperwindow: 3 });
    const settings = mailSettings(cfg)!;
    const log = new CapturedLog();
    consumer(cfg, settings, log);
    const { logger } = appLogger(cfg, log);
    const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel'];
    for (const word of words) logger.error({ err: new TypeError(`${word} exploded`) }, 'distinct failure');
    await smtp.waitForMails(3);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(smtp.subjects()).toHaveLength(3);
  });

  it('SMTP down, consumer restarted, SMTP back: the mail arrives afterwards, exactly once; no password in any log', async () => {
    const port = await freePort();
    const cfg = config(`127.0.0.1:${port}`);
    const settings = mailSettings(cfg)!;
    const log = new CapturedLog();
    const first = consumer(cfg, settings, log);
    const { logger } = appLogger(cfg, log);
    logger.error({ err: new Error('disk on fire') }, 'internal failure');
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(log.text).toContain('mail not sent yet');
    await first.close();
    const smtp = await sink(port);
    consumer(cfg, settings, log);
    await smtp.waitForMails(1, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(smtp.subjects()).toEqual(['[registry] error in registry: internal failure: disk on fire']);
    expect(log.text).not.toContain(PASSWORD);
    expect(log.text).not.toContain(Buffer.from(PASSWORD).toString('base64'));
  });

  it('wrong SMTP password: retried, and the password never appears in the logged failures', async () => {
    const smtp = await SmtpSink.start({ auth: { username: 'alerts', password: 'another-one', methods: ['PLAIN'] } });
    cleanups.push(() => smtp.stop());
    const cfg = config(smtp.addr);
    const settings = mailSettings(cfg)!;
    const log = new CapturedLog();
    consumer(cfg, settings, log);
    const { logger } = appLogger(cfg, log);
    logger.error({ err: new Error('boom') }, 'internal failure');
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(smtp.authAttempts.length).toBeGreaterThanOrEqual(2);
    expect(log.text).toMatch(/(535|Invalid login).*mail not sent yet/);
    expect(log.text).not.toContain(PASSWORD);
    expect(log.text).not.toContain(Buffer.from(`\0alerts\0${PASSWORD}`).toString('base64'));
  });

  it('delivery alerts: failing and recovered mails with the endpoint name; repeated failing alerts summed', async () => {
    const smtp = await sink();
    const cfg = config(smtp.addr);
    const settings = mailSettings(cfg)!;
    const log = new CapturedLog();
    consumer(cfg, settings, log);
    const outbox = new MailOutbox(settings, cfg.redis);
    const buffer = new ReportBuffer((report, count) => outbox.submit(report, count, 5_000));
    cleanups.push(() => outbox.close());
    cleanups.push(() => cleanRedis(cfg.redis.prefix));
    const alerts = new MailDeliveryAlerts(pino({ level: 'info' }, log), CONTEXT, buffer);
    const alert = { endpoint: 'deploy-hook', url: 'http://127.0.0.1:9/events', lastStatus: 500, at: new Date() };
    for (let failures = 5; failures <= 7; failures++) alerts.endpointFailing({ ...alert, failures });
    await new Promise((resolve) => setTimeout(resolve, 200));
    alerts.endpointRecovered(alert);
    await smtp.waitForMails(3, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const subjects = smtp.subjects();
    expect(subjects).toHaveLength(3);
    expect(subjects[0]).toBe('[registry] endpoint deploy-hook is failing (5 consecutive failed attempts)');
    expect(subjects).toContain('[registry] endpoint deploy-hook recovered');
    expect(subjects).toContain('[registry] [2x] endpoint deploy-hook is failing (5 consecutive failed attempts)');
    expect(log.text).toContain('delivery alert: endpoint deploy-hook is failing');
  });
});
