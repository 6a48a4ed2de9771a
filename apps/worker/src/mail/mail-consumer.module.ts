import { Inject, Injectable, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { RegistryConfig } from '@app/config';
import { AppLogger } from '@app/logging';
import { SmtpMailer, beforePanicHandOff, mailSettings } from '@app/mail';
import { MailConsumer } from './mail-consumer.js';

/** Starts the mail consumer when a mail hook is configured; stops it gracefully on shutdown. */
@Injectable()
export class MailConsumerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private consumer?: MailConsumer;
  private unregister?: () => void;

  constructor(
    @Inject(RegistryConfig) private readonly config: RegistryConfig,
    @Inject(AppLogger) private readonly logger: AppLogger,
  ) {}

  onApplicationBootstrap(): void {
    const settings = mailSettings(this.config);
    if (!settings) return;
    this.consumer = new MailConsumer(settings, this.config.redis, new SmtpMailer(settings), this.logger);
    this.consumer.start();
    // A panic mail of this very process must be sent by another worker (or this one's next start).
    const consumer = this.consumer;
    this.unregister = beforePanicHandOff(() => consumer.abandon());
    this.logger.info({ smtp: settings.smtp.addr, to: settings.to }, 'mail consumer started');
  }

  async onApplicationShutdown(): Promise<void> {
    this.unregister?.();
    await this.consumer?.close();
  }
}

@Module({ providers: [MailConsumerService] })
export class MailConsumerModule {}
