import type { ServerResponse } from 'node:http';
import { BadRequestException, Controller, Get, Query, Res, UseFilters, UseGuards } from '@nestjs/common';
import { AuditStore, decodeCursor, type AuditCount } from '@app/audit';
import { AdminErrorFilter } from './admin-error.filter.js';
import { adminQueryPipe } from './admin-input.js';
import { AdminTokenGuard } from './admin-token.guard.js';
import { auditEntry, streamRows } from './audit-export.js';
import { auditFilter, AuditExportQuery, AuditQuery, AuditStatsQuery } from './audit-queries.js';

/** `/admin/audit`: the audit store's rows (events and admin actions), filtered, paged, exported, counted. */
@Controller('admin/audit')
@UseGuards(AdminTokenGuard)
@UseFilters(AdminErrorFilter)
export class AuditController {
  constructor(private readonly store: AuditStore) {}

  /** Oldest first; `next` continues after the last row (keyset). */
  @Get()
  async list(
    @Query(adminQueryPipe) query: AuditQuery,
  ): Promise<{ entries: ReturnType<typeof auditEntry>[]; next?: string }> {
    const cursor = checkedCursor(query.cursor);
    const page = await this.store.page(auditFilter(query), { limit: query.limit ?? 100, cursor });
    return { entries: page.rows.map(auditEntry), ...(page.next ? { next: page.next } : {}) };
  }

  /** Every matching row, streamed: JSON lines (default) or CSV (`format=csv`). */
  @Get('export')
  export(@Query(adminQueryPipe) query: AuditExportQuery, @Res() response: ServerResponse): Promise<void> {
    return streamRows(response, this.store.scan(auditFilter(query)), query.format ?? 'jsonl');
  }

  /** Counts by repository, actor, action or UTC day. */
  @Get('stats')
  async stats(@Query(adminQueryPipe) query: AuditStatsQuery): Promise<{ by: string; counts: AuditCount[] }> {
    return { by: query.by, counts: await this.store.stats(query.by, auditFilter(query), query.limit ?? 100) };
  }
}

/** A cursor this API returned, or a 400. */
export function checkedCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  try {
    decodeCursor(cursor);
    return cursor;
  } catch (error) {
    throw new BadRequestException((error as Error).message);
  }
}
