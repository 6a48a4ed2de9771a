import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule, type RegistryConfig } from '@app/config';
import { LoggerModule, type Logger } from '@app/logging';
import { MailModule } from '@app/mail';
import { MailConsumerModule } from './mail/mail-consumer.module.js';
import { DeliveryModule } from './delivery/delivery.module.js';
import { EventLogModule } from './event-log/event-log.module.js';

/** The worker app: delivery queues per endpoint, the event log and the mail queue consumer. Areas add their module here. */
@Module({})
export class WorkerModule {
  static forRoot(config: RegistryConfig, logger: Logger, instance = 'worker'): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(logger),
        MailModule.forRoot({ app: 'worker', instance }),
        MailConsumerModule,
        DeliveryModule,
        EventLogModule,
      ],
    };
  }
}
