import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { AuditRow } from './audit-row.js';

/** The audit store's tables, for Kysely. */
export interface AuditDatabase {
  audit: AuditRow;
}

export const AUDIT_TABLE = 'audit';

/** Indexes for the query API: each filter with time (keyset order), and time alone. */
const INDEXES: [string, string[]][] = [
  ['audit_time', ['time', 'id']],
  ['audit_repository_time', ['repository', 'time']],
  ['audit_actor_time', ['actor', 'time']],
  ['audit_digest_time', ['digest', 'time']],
  ['audit_action_time', ['action', 'time']],
  ['audit_addr_time', ['addr', 'time']],
];

/**
 * The migrations, in code, applied at start by whichever process opens the store first (Kysely's Migrator
 * locks). `postgres`: repositories compare bytewise (collation "C") so that a glob's prefix is a range.
 */
export function auditMigrations(dialect: 'sqlite' | 'postgres'): MigrationProvider {
  const initial: Migration = {
    async up(db: Kysely<unknown>) {
      const text = dialect === 'postgres' ? sql`text collate "C"` : sql`text`;
      await db.schema
        .createTable(AUDIT_TABLE)
        .ifNotExists()
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('time', 'bigint', (column) => column.notNull())
        .addColumn('kind', 'text', (column) => column.notNull())
        .addColumn('action', 'text', (column) => column.notNull())
        .addColumn('repository', text)
        .addColumn('digest', 'text')
        .addColumn('tag', 'text')
        .addColumn('media_type', 'text')
        .addColumn('size', 'bigint')
        .addColumn('actor', 'text', (column) => column.notNull())
        .addColumn('addr', 'text')
        .addColumn('user_agent', 'text')
        .addColumn('request_id', 'text')
        .addColumn('instance', 'text')
        .addColumn('source', 'text')
        .addColumn('endpoint', 'text')
        .addColumn('raw', 'text', (column) => column.notNull())
        .execute();
      for (const [name, columns] of INDEXES)
        await db.schema.createIndex(name).ifNotExists().on(AUDIT_TABLE).columns(columns).execute();
    },
  };
  return { getMigrations: () => Promise.resolve({ '0001_audit': initial }) };
}
