import { Module, type Provider } from '@nestjs/common';
import { AuditStore, auditLocation } from '@app/audit';
import { RegistryConfig } from '@app/config';
import { EventLogService } from './event-log.service.js';

/** The audit store the worker writes (closed by EventLogService, after its last write). */
const auditStore: Provider = {
  provide: AuditStore,
  useFactory: (config: RegistryConfig) => AuditStore.open(auditLocation(config)),
  inject: [RegistryConfig],
};

/** Writes the audit store and the event log from the event-log queue. */
@Module({ providers: [auditStore, EventLogService] })
export class EventLogModule {}
