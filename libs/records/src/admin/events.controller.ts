import { Controller, Get, Query, UseFilters, UseGuards } from '@nestjs/common';
import type { EventLogPage } from '../event-log.js';
import { AdminErrorFilter } from './admin-error.filter.js';
import { adminQueryPipe } from './admin-input.js';
import { EventsQuery } from './admin-queries.js';
import { AdminTokenGuard } from './admin-token.guard.js';
import { AdminService } from './admin.service.js';

/** `/admin/events`: the event log, oldest first, filtered and paged. */
@Controller('admin/events')
@UseGuards(AdminTokenGuard)
@UseFilters(AdminErrorFilter)
export class EventsController {
  constructor(private readonly admin: AdminService) {}

  @Get()
  events(@Query(adminQueryPipe) query: EventsQuery): Promise<EventLogPage> {
    return this.admin.events(query);
  }
}
