import { Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { AuditStore } from '@app/audit';
import { AdminActions } from './admin-actions.js';
import { AdminOptions } from './admin-options.js';
import { AdminQueues } from './admin-queues.js';
import { adminRecordsProviders } from './admin-records.providers.js';
import { AdminService } from './admin.service.js';
import { AuditController } from './audit.controller.js';
import { DeliveryMetricsCollector } from './delivery-metrics.collector.js';
import { EndpointOverviews } from './endpoint-overviews.js';
import { EndpointsController } from './endpoints.controller.js';
import { EventsController } from './events.controller.js';
import { Redelivery } from './redelivery.js';

/**
 * The admin plane over the delivery records: its operations (AdminService, Redelivery), the delivery
 * metrics that /metrics serves (DeliveryMetricsCollector) and its HTTP routes under /admin, for the app
 * that serves them (the registry's debug listener), and the audit queries. Needs RegistryConfig; opens one
 * Redis connection and the audit store.
 */
@Module({})
export class AdminModule implements OnApplicationShutdown {
  constructor(
    private readonly queues: AdminQueues,
    private readonly redis: Redis,
    private readonly audit: AuditStore,
  ) {}

  static forRoot(options: AdminOptions): DynamicModule {
    return {
      module: AdminModule,
      controllers: [EndpointsController, EventsController, AuditController],
      providers: [
        { provide: AdminOptions, useValue: options },
        ...adminRecordsProviders,
        AdminQueues,
        EndpointOverviews,
        AdminService,
        Redelivery,
        AdminActions,
        DeliveryMetricsCollector,
      ],
      exports: [AdminService, Redelivery, DeliveryMetricsCollector],
    };
  }

  /** The queues first: they share the connection. */
  async onApplicationShutdown(): Promise<void> {
    await this.queues.close();
    this.redis.disconnect();
    await this.audit.close();
  }
}
