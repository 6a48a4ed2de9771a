import { IsOptional, Matches } from 'class-validator';
import { Duration, IsText, Section } from './decorators.js';

/** Ours: the audit store in PostgreSQL (for several registry and worker processes) instead of SQLite. */
export class AuditPostgresConfig {
  /** `postgres://user:password@host:5432/database`. */
  @IsText() url!: string;
  /** The schema holding the audit tables (created when missing). */
  @IsOptional()
  @Matches(/^[a-z_][a-z0-9_]*$/, { message: '$property: expected a lower-case SQL name' })
  schema = 'public';
}

/**
 * Ours: the audit store, every event and admin action as a row. SQLite (`path`, by default `_audit/audit.db`
 * under the filesystem storage root, else ./data/audit/audit.db) unless `postgres.url` is set.
 */
export class AuditConfig {
  /** Rows older than this are deleted (in the database, by the worker). */
  @IsOptional() @Duration() retention = 8760 * 3_600_000;
  @IsOptional() @IsText() path?: string;
  @Section(() => AuditPostgresConfig) postgres?: AuditPostgresConfig;
}
