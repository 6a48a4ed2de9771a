import type { RegistryConfig } from '@app/config';
import type { Logger, LogHook } from '@app/logging';
import { MailLogHook } from './mail-log-hook.js';
import { MailOutbox } from './mail-outbox.js';
import type { MailReport, ReportContext } from './mail-report.js';
import { mailSettings, type MailSettings } from './mail-settings.js';
import { MailSpool } from './mail-spool.js';
import { installPanicHandlers, type PanicHandOff } from './panic-handler.js';
import { ReportBuffer } from './report-buffer.js';
import { SmtpMailer } from './smtp-mailer.js';
import { withTimeout } from '@app/async';

/** How long a buffered report may wait on Redis per hand-off attempt. */
const HAND_OFF_TIMEOUT = 5_000;
const SPOOL_RETRY = 30_000;

/**
 * One process's mail path, made in `main` before the logger (whose hooks it provides): the log hook and its
 * buffer, the outbox to Redis, the panic handlers and the spool. Without a mail hook in the config it only
 * logs panics and exits.
 */
export class MailAlerting {
  readonly hooks: readonly LogHook[];
  private readonly outbox?: MailOutbox;
  private readonly buffer?: ReportBuffer;
  private readonly spool?: MailSpool;
  private spoolTimer?: NodeJS.Timeout;
  private draining = false;
  private uninstall?: () => void;

  constructor(
    readonly settings: MailSettings | undefined,
    redis: RegistryConfig['redis'],
    private readonly context: ReportContext,
  ) {
    if (!settings) {
      this.hooks = [];
      return;
    }
    const outbox = new MailOutbox(settings, redis);
    this.outbox = outbox;
    this.buffer = new ReportBuffer((report, count) => outbox.submit(report, count, HAND_OFF_TIMEOUT));
    this.spool = new MailSpool(settings.spoolDir);
    this.hooks = settings.levels.some((level) => level !== 'panic')
      ? [new MailLogHook(settings.levels, context, this.buffer)]
      : [];
  }

  static fromConfig(config: RegistryConfig, context: ReportContext): MailAlerting {
    return new MailAlerting(mailSettings(config), config.redis, context);
  }

  /** Installs the panic handlers and starts sending what an earlier crash spooled. */
  start(logger: Logger): void {
    this.uninstall = installPanicHandlers({ context: this.context, logger, handOff: this.panicHandOff() });
    if (this.spool && this.spool.pendingFiles().length > 0) void this.drainSpool(logger);
  }

  async close(): Promise<void> {
    this.uninstall?.();
    clearTimeout(this.spoolTimer);
    await this.buffer?.drain(1_000);
    this.buffer?.stop();
    await this.outbox?.close();
  }

  private panicHandOff(): PanicHandOff | undefined {
    const { settings, outbox, buffer, spool } = this;
    if (!settings || !outbox || !buffer || !spool || !settings.levels.includes('panic')) return undefined;
    return {
      drainBuffer: (timeoutMs) => buffer.drain(timeoutMs),
      toRedis: (report, timeoutMs) => outbox.submit(report, 1, timeoutMs, true),
      toSmtp: (report, timeoutMs) =>
        withTimeout(sendDirect(settings, report, timeoutMs), timeoutMs, 'panic mail over smtp'),
      toSpool: (report) => spool.write(report),
    };
  }

  /** Spooled panic mails go to Redis (de-duplicated like any other), else straight to SMTP; retried until sent. */
  private async drainSpool(logger: Logger): Promise<void> {
    const { settings, outbox, spool } = this;
    if (!settings || !outbox || !spool || this.draining) return;
    this.draining = true;
    try {
      const sent = await spool.drain((report) =>
        outbox.submit(report, 1, HAND_OFF_TIMEOUT).catch(() => sendDirect(settings, report, settings.timeout)),
      );
      logger.info({ sent, spool: spool.dir }, 'spooled panic mails sent');
    } catch (error) {
      logger.warn(
        { nomail: true, reason: (error as Error).message, spool: spool.dir },
        'spooled panic mails not sent yet; retrying',
      );
      this.spoolTimer = setTimeout(() => void this.drainSpool(logger), SPOOL_RETRY);
      this.spoolTimer.unref();
    } finally {
      this.draining = false;
    }
  }
}

/** One mail straight to the SMTP server, bypassing the queue (when Redis is unreachable). */
async function sendDirect(settings: MailSettings, report: MailReport, timeoutMs: number): Promise<void> {
  const mailer = new SmtpMailer(settings, timeoutMs);
  try {
    await mailer.send({ subject: `${settings.subjectPrefix} ${report.subject}`.trim(), text: report.text });
  } finally {
    mailer.close();
  }
}
