import { Module } from '@nestjs/common';
import { EventLogService } from './event-log.service.js';

/** Writes the event log from the event-log queue. */
@Module({ providers: [EventLogService] })
export class EventLogModule {}
