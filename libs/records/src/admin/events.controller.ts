import { Controller, Get, Query, UseFilters, UseGuards } from '@nestjs/common';
import { AuditStore } from '@app/audit';
import type { Event } from '@app/events';
import { AdminErrorFilter } from './admin-error.filter.js';
import { adminQueryPipe } from './admin-input.js';
import { EventsQuery } from './admin-queries.js';
import { AdminTokenGuard } from './admin-token.guard.js';
import { checkedCursor } from './audit.controller.js';

/**
 * `/admin/events`: the registry's events as distribution writes them, oldest first, filtered and paged;
 * read from the audit store (`/admin/audit` has every filter and the admin actions).
 */
@Controller('admin/events')
@UseGuards(AdminTokenGuard)
@UseFilters(AdminErrorFilter)
export class EventsController {
  constructor(private readonly store: AuditStore) {}

  @Get()
  async events(@Query(adminQueryPipe) query: EventsQuery): Promise<{ events: Event[]; next?: string }> {
    const { from, to, action, repository, actor } = query;
    const cursor = checkedCursor(query.cursor);
    const limit = Math.min(Math.max(query.limit ?? 100, 1), 1000);
    const page = await this.store.page({ kind: 'event', from, to, action, repository, actor }, { limit, cursor });
    const events = page.rows.map((row) => JSON.parse(row.raw) as Event);
    return { events, ...(page.next ? { next: page.next } : {}) };
  }
}
