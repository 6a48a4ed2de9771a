import { IsIn, IsOptional, IsString, Max, Min } from 'class-validator';
import { AUDIT_STATS_BY, type AuditFilter, type AuditStatsBy } from '@app/audit';
import { QueryInteger, QueryTime } from './admin-input.js';

/** The filters every audit route takes. */
export class AuditFilterQuery implements AuditFilter {
  /** Events only, or admin actions only. */
  @IsOptional() @IsIn(['event', 'admin'], { message: 'kind: expected event or admin' }) kind?: 'event' | 'admin';
  /** A name, or a glob with `*` (one segment) and `**`. */
  @IsOptional() @IsString() repository?: string;
  @IsOptional() @IsString() action?: string;
  /** `actor.name`; empty matches anonymous events. */
  @IsOptional() @IsString() actor?: string;
  @IsOptional() @IsString() digest?: string;
  @IsOptional() @IsString() tag?: string;
  /** The client's address, with or without its port. */
  @IsOptional() @IsString() addr?: string;
  @QueryTime() from?: number;
  @QueryTime() to?: number;
}

/** `GET /admin/audit` */
export class AuditQuery extends AuditFilterQuery {
  @QueryInteger() @Min(1) @Max(1000) limit?: number;
  /** The `next` of the previous page. */
  @IsOptional() @IsString() cursor?: string;
}

/** `GET /admin/audit/export` */
export class AuditExportQuery extends AuditFilterQuery {
  @IsOptional() @IsIn(['csv', 'jsonl'], { message: 'format: expected csv or jsonl' }) format?: 'csv' | 'jsonl';
}

/** `GET /admin/audit/stats` */
export class AuditStatsQuery extends AuditFilterQuery {
  @IsIn(AUDIT_STATS_BY, { message: `by: expected one of ${AUDIT_STATS_BY.join(', ')}` }) by!: AuditStatsBy;
  @QueryInteger() @Min(1) @Max(10_000) limit?: number;
}

/** The filter fields of a query DTO (whitelisted by the pipe: nothing else is there). */
export function auditFilter(query: AuditFilterQuery): AuditFilter {
  const { kind, repository, action, actor, digest, tag, addr, from, to } = query;
  return { kind, repository, action, actor, digest, tag, addr, from, to };
}
