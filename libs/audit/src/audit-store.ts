import { sql } from 'kysely';
import {
  connectAuditDatabase,
  migrateAuditDatabase,
  type AuditConnection,
  type AuditLocation,
} from './audit-database.js';
import { filterWhere, type AuditFilter } from './audit-filter.js';
import type { AuditRow } from './audit-row.js';

export interface AuditPage {
  /** Oldest first: by time, then id. */
  rows: AuditRow[];
  /** Pass as `cursor` for the next page; absent on the last. */
  next?: string;
}

export const AUDIT_STATS_BY = ['repository', 'actor', 'day', 'action'] as const;
export type AuditStatsBy = (typeof AUDIT_STATS_BY)[number];

export interface AuditCount {
  /** The repository, actor or action; the day as `YYYY-MM-DD` (UTC). */
  key: string | null;
  count: number;
}

/** Rows per INSERT: 17 columns each, well under SQLite's 32 766 parameters. */
const INSERT_CHUNK = 500;
const DAY_MS = 86_400_000;

/**
 * The audit store: one table in SQLite or PostgreSQL behind one query layer (Kysely). Inserts are
 * idempotent (the row id is the key: a row written twice is one row); reads are keyset-paged by (time, id).
 * Migrations run before the first use and again on the next use if they failed (database unreachable).
 */
export class AuditStore {
  private migrated?: Promise<void>;

  constructor(
    private readonly connection: AuditConnection,
    private readonly location: AuditLocation,
  ) {}

  static open(location: AuditLocation): AuditStore {
    return new AuditStore(connectAuditDatabase(location), location);
  }

  get dialect(): AuditConnection['dialect'] {
    return this.connection.dialect;
  }

  /** Resolves once the schema is there; rejects (and is tried again next time) while the database is not. */
  ready(): Promise<void> {
    this.migrated ??= migrateAuditDatabase(this.connection, this.location).catch((error: unknown) => {
      this.migrated = undefined;
      throw error;
    });
    return this.migrated;
  }

  /** Writes the rows in one transaction, skipping ids already there; returns how many were new. */
  async insert(rows: readonly AuditRow[]): Promise<number> {
    if (rows.length === 0) return 0;
    await this.ready();
    return this.connection.db.transaction().execute(async (tx) => {
      let inserted = 0;
      for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
        const result = await tx
          .insertInto('audit')
          .values(rows.slice(start, start + INSERT_CHUNK))
          .onConflict((conflict) => conflict.column('id').doNothing())
          .executeTakeFirst();
        inserted += Number(result.numInsertedOrUpdatedRows ?? 0);
      }
      return inserted;
    });
  }

  /** Deletes the rows older than `before` (ms since the epoch); returns how many. */
  async prune(before: number): Promise<number> {
    await this.ready();
    const result = await this.connection.db.deleteFrom('audit').where('time', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Up to `limit` rows matching the filter after `cursor`, oldest first. */
  async page(filter: AuditFilter, options: { limit: number; cursor?: string }): Promise<AuditPage> {
    await this.ready();
    const after = options.cursor !== undefined ? decodeCursor(options.cursor) : undefined;
    let query = this.connection.db.selectFrom('audit').selectAll().where(filterWhere(filter, this.dialect));
    if (after) {
      const [time, id] = after;
      query = query.where((eb) => eb.or([eb('time', '>', time), eb.and([eb('time', '=', time), eb('id', '>', id)])]));
    }
    const rows = await query
      .orderBy('time')
      .orderBy('id')
      .limit(options.limit + 1)
      .execute();
    if (rows.length <= options.limit) return { rows };
    rows.length = options.limit;
    const last = rows[rows.length - 1]!;
    return { rows, next: encodeCursor(last.time, last.id) };
  }

  /** Every row matching the filter, oldest first, a page at a time (for exports). */
  async *scan(filter: AuditFilter, pageSize = 1000): AsyncGenerator<AuditRow> {
    let cursor: string | undefined;
    do {
      const page = await this.page(filter, { limit: pageSize, cursor });
      yield* page.rows;
      cursor = page.next;
    } while (cursor);
  }

  /** Rows matching the filter counted by one column (or by UTC day), most first (days: in order). */
  async stats(by: AuditStatsBy, filter: AuditFilter, limit: number): Promise<AuditCount[]> {
    await this.ready();
    const where = filterWhere(filter, this.dialect);
    const base = this.connection.db.selectFrom('audit').where(where);
    if (by === 'day') {
      const day = sql<number>`time / ${sql.lit(DAY_MS)}`;
      const rows = await base
        .select([day.as('day'), (eb) => eb.fn.countAll<number>().as('count')])
        .groupBy(day)
        .orderBy(day)
        .limit(limit)
        .execute();
      return rows.map((row) => ({ key: dayName(Number(row.day)), count: Number(row.count) }));
    }
    const rows = await base
      .select([by, (eb) => eb.fn.countAll<number>().as('count')])
      .groupBy(by)
      .orderBy('count', 'desc')
      .orderBy(by)
      .limit(limit)
      .execute();
    return rows.map((row) => ({ key: row[by], count: Number(row.count) }));
  }

  async close(): Promise<void> {
    await this.connection.db.destroy();
  }
}

function dayName(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

function encodeCursor(time: number, id: string): string {
  return Buffer.from(JSON.stringify([time, id])).toString('base64url');
}

/** A cursor this store wrote; anything else is a RangeError (the API's 400). */
export function decodeCursor(cursor: string): [number, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as unknown;
    if (Array.isArray(value) && typeof value[0] === 'number' && typeof value[1] === 'string')
      return [value[0], value[1]];
  } catch {
    // not JSON: the RangeError below
  }
  throw new RangeError('cursor: not a cursor this API returned');
}
