import { sql, type ExpressionBuilder, type Expression, type SqlBool } from 'kysely';
import type { AuditDialect } from './audit-database.js';
import type { AuditKind } from './audit-row.js';
import type { AuditDatabase } from './audit-schema.js';

/** The query API's filters; every one optional, all of them combined. */
export interface AuditFilter {
  /** Events or admin actions only. */
  kind?: AuditKind;
  /** An exact name, or a glob: `*` within a path segment, `**` across segments. */
  repository?: string;
  action?: string;
  /** `actor.name`; `''` matches anonymous events. */
  actor?: string;
  digest?: string;
  tag?: string;
  /** The client's address, with or without its port. */
  addr?: string;
  /** Inclusive bounds, ms since the epoch. */
  from?: number;
  to?: number;
}

type Where = ExpressionBuilder<AuditDatabase, 'audit'>;

/** The WHERE of a filter, in the store's dialect. */
export function filterWhere(filter: AuditFilter, dialect: AuditDialect): (eb: Where) => Expression<SqlBool> {
  return (eb) => {
    const terms: Expression<SqlBool>[] = [];
    if (filter.repository !== undefined) terms.push(repositoryTerm(eb, filter.repository, dialect));
    for (const key of ['kind', 'action', 'actor', 'digest', 'tag'] as const) {
      const value = filter[key];
      if (value !== undefined) terms.push(eb(key, '=', value));
    }
    if (filter.addr !== undefined) {
      const addr = filter.addr;
      const withPort = [`${addr}:`, `[${addr}]:`].map((head) => sql<SqlBool>`addr like ${like(head)} escape '\\'`);
      terms.push(eb.or([eb('addr', '=', addr), ...withPort]));
    }
    if (filter.from !== undefined) terms.push(eb('time', '>=', filter.from));
    if (filter.to !== undefined) terms.push(eb('time', '<=', filter.to));
    return eb.and(terms);
  };
}

/**
 * A name is an equality; a glob is a range over its literal prefix (the index does the work) and a
 * regular expression for the rest (REGEXP in SQLite, `~` in PostgreSQL).
 */
function repositoryTerm(eb: Where, glob: string, dialect: AuditDialect): Expression<SqlBool> {
  const star = glob.indexOf('*');
  if (star < 0) return eb('repository', '=', glob);
  const prefix = glob.slice(0, star);
  const pattern = globPattern(glob);
  const match =
    dialect === 'sqlite' ? sql<SqlBool>`repository regexp ${pattern}` : sql<SqlBool>`repository ~ ${pattern}`;
  if (!prefix) return match;
  return eb.and([eb('repository', '>=', prefix), eb('repository', '<', `${prefix}\u{10ffff}`), match]);
}

/** The glob as an anchored regular expression both JavaScript and PostgreSQL read the same way. */
export function globPattern(glob: string): string {
  const escape = (text: string) => text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  return `^${glob
    .split('**')
    .map((part) => part.split('*').map(escape).join('[^/]*'))
    .join('.*')}$`;
}

/** Anything starting with `head` (its `%` and `_` taken literally). */
function like(head: string): string {
  return `${head.replace(/[%_\\]/g, '\\$&')}%`;
}
