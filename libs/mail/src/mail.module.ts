import { Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { RegistryConfig, versionInfo } from '@app/config';
import { AppLogger } from '@app/logging';
import { DeliveryAlerts } from './delivery-alerts.js';
import { MailDeliveryAlerts } from './mail-delivery-alerts.js';
import { MailOutbox } from './mail-outbox.js';
import { mailSettings } from './mail-settings.js';
import { ReportBuffer } from './report-buffer.js';

export interface MailModuleOptions {
  /** 'registry' or 'worker': named in every mail. */
  app: string;
  /** The process's instance id. */
  instance: string;
}

const OPTIONS = Symbol('MailModuleOptions');
const HAND_OFF_TIMEOUT = 5_000;

/** The alerts' own buffer and outbox (the log hook's live in `MailAlerting`, made before Nest starts). */
@Injectable()
class AlertsOutbox implements OnApplicationShutdown {
  readonly outbox?: MailOutbox;
  readonly buffer?: ReportBuffer;

  constructor(config: RegistryConfig) {
    const settings = mailSettings(config);
    if (!settings) return;
    const outbox = new MailOutbox(settings, config.redis);
    this.outbox = outbox;
    this.buffer = new ReportBuffer((report, count) => outbox.submit(report, count, HAND_OFF_TIMEOUT));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.buffer?.drain(2_000);
    this.buffer?.stop();
    await this.outbox?.close();
  }
}

/** Provides `DeliveryAlerts` (mails through the mail queue, or log lines only when no mail hook is configured). */
@Module({})
export class MailModule {
  static forRoot(options: MailModuleOptions): DynamicModule {
    return {
      module: MailModule,
      global: true,
      providers: [
        { provide: OPTIONS, useValue: options },
        AlertsOutbox,
        {
          provide: DeliveryAlerts,
          inject: [AppLogger, AlertsOutbox, OPTIONS],
          useFactory: (logger: AppLogger, alerts: AlertsOutbox, { app, instance }: MailModuleOptions) =>
            new MailDeliveryAlerts(logger, { app, instance, version: describeVersion() }, alerts.buffer),
        },
      ],
      exports: [DeliveryAlerts],
    };
  }
}

export function describeVersion(): string {
  const { version, commit } = versionInfo();
  return `${version} (commit ${commit})`;
}
