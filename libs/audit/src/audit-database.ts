import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import type { RegistryConfig } from '@app/config';
import { auditMigrations, type AuditDatabase } from './audit-schema.js';

export type AuditDialect = 'sqlite' | 'postgres';

/** Where the store is: a SQLite file, or a PostgreSQL database and schema. */
export type AuditLocation =
  { dialect: 'sqlite'; path: string } | { dialect: 'postgres'; url: string; schema: string; connectTimeoutMs?: number };

/** An open store: the query layer and which dialect it speaks. */
export interface AuditConnection {
  db: Kysely<AuditDatabase>;
  dialect: AuditDialect;
}

/** `audit.postgres` if set; else `audit.path`, else `_audit/audit.db` under the storage root (./data/audit). */
export function auditLocation(config: RegistryConfig): AuditLocation {
  const { postgres, path } = config.audit;
  if (postgres) return { dialect: 'postgres', url: postgres.url, schema: postgres.schema };
  if (path) return { dialect: 'sqlite', path };
  const root = config.storage.driver === 'filesystem' ? config.storage.filesystem?.rootdirectory : undefined;
  return { dialect: 'sqlite', path: root ? join(root, '_audit', 'audit.db') : join('data', 'audit', 'audit.db') };
}

/** Opens the store without touching the database yet (PostgreSQL connects on first use). */
export function connectAuditDatabase(location: AuditLocation): AuditConnection {
  return location.dialect === 'sqlite' ? openSqlite(location.path) : openPostgres(location);
}

function openSqlite(path: string): AuditConnection {
  mkdirSync(dirname(path), { recursive: true });
  const database = new Database(path);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('busy_timeout = 5000');
  // `repository REGEXP ?` (repository globs): SQLite calls regexp(pattern, value), which it leaves to us.
  const patterns = new Map<string, RegExp>();
  database.function('regexp', { deterministic: true }, (pattern, value) => {
    let regexp = patterns.get(String(pattern));
    if (!regexp) patterns.set(String(pattern), (regexp = new RegExp(String(pattern))));
    return typeof value === 'string' && regexp.test(value) ? 1 : 0;
  });
  return { db: new Kysely<AuditDatabase>({ dialect: new SqliteDialect({ database }) }), dialect: 'sqlite' };
}

function openPostgres(location: Extract<AuditLocation, { dialect: 'postgres' }>): AuditConnection {
  const pool = new pg.Pool({
    connectionString: location.url,
    max: 4,
    connectionTimeoutMillis: location.connectTimeoutMs ?? 5_000,
    options: `-c search_path=${location.schema}`,
    // bigint (time, size, counts) as numbers: ms times and sizes stay well inside 2^53.
    types: { getTypeParser: (oid, format) => (oid === 20 ? Number : pg.types.getTypeParser(oid, format)) },
  });
  pool.on('error', () => undefined);
  return { db: new Kysely<AuditDatabase>({ dialect: new PostgresDialect({ pool }) }), dialect: 'postgres' };
}

/** Creates the schema (PostgreSQL) and applies the migrations not yet applied. */
export async function migrateAuditDatabase({ db, dialect }: AuditConnection, location: AuditLocation): Promise<void> {
  if (location.dialect === 'postgres') await sql`create schema if not exists ${sql.id(location.schema)}`.execute(db);
  const migrator = new Migrator({
    db,
    provider: auditMigrations(dialect),
    migrationTableName: 'audit_migration',
    migrationLockTableName: 'audit_migration_lock',
    ...(location.dialect === 'postgres' ? { migrationTableSchema: location.schema } : {}),
  });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
}
