import { Module } from '@nestjs/common';
import { RegistryConfig } from '@app/config';
import { EventBuilder } from '@app/events';
import { RepositoryDecorator } from '../repository/index.js';
import { instanceId } from '../instance.js';
import { EventSink } from './event-sink.js';
import { sourceRecord } from './event-source.js';
import { NotificationPipeline } from './notification-pipeline.js';
import { RepositoryListener } from './repository-listener.js';

/**
 * Notifications: the repository listener (exported as RepositoryDecorator for the RepositoryModule's
 * factories) and the pipeline behind it (broadcaster, Redis queues, spool).
 */
@Module({
  providers: [
    NotificationPipeline,
    {
      provide: EventSink,
      useFactory: (pipeline: NotificationPipeline) => pipeline.broadcaster,
      inject: [NotificationPipeline],
    },
    {
      provide: EventBuilder,
      useFactory: (config: RegistryConfig) =>
        new EventBuilder({
          source: sourceRecord(config.http.addr, instanceId),
          includeReferences: config.notifications.events.includereferences,
        }),
      inject: [RegistryConfig],
    },
    { provide: RepositoryDecorator, useClass: RepositoryListener },
  ],
  exports: [RepositoryDecorator, EventSink],
})
export class NotificationsModule {}
