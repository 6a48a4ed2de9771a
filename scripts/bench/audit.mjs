// bench:audit — the audit store alone. Inserts per second through AuditStore.insert (batches of
// BENCH_AUDIT_BATCH rows, as the worker's group commit makes them) on SQLite (a file in a temp dir) and on the
// machine's PostgreSQL (a schema of its own, dropped after); then SQLite is filled to BENCH_AUDIT_ROWS rows
// (a year of events over 1,000 repositories, bulk-inserted with better-sqlite3, indexes in place) and the
// query API's "repository X in month M" (first page of 100, and the count) is timed, p50 and p99.
// Run `npm run build` first.
//   BENCH_AUDIT_ROWS (10000000), BENCH_AUDIT_INSERTS (100000), BENCH_AUDIT_BATCH (1000),
//   BENCH_AUDIT_QUERIES (400), BENCH_AUDIT_PG (postgres://postgres@127.0.0.1:5432/test; "off" to skip)
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { ROOT } from './lib/processes.mjs';
import { percentile, round } from './lib/stats.mjs';
import { table, writeReport } from './lib/report.mjs';

const ROWS = Number(process.env.BENCH_AUDIT_ROWS ?? 10_000_000);
const INSERTS = Number(process.env.BENCH_AUDIT_INSERTS ?? 100_000);
const BATCH = Number(process.env.BENCH_AUDIT_BATCH ?? 1_000);
const QUERIES = Number(process.env.BENCH_AUDIT_QUERIES ?? 400);
const PG_URL = process.env.BENCH_AUDIT_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const { AuditStore, eventRow } = await import(pathToFileURL(join(ROOT, 'dist/libs/audit/src/index.js')).href);

const YEAR_START = Date.UTC(2025, 0, 1);
const YEAR_MS = 365 * 86_400_000;
const REPOSITORIES = Array.from({ length: 1000 }, (_, i) => `team-${i % 50}/app-${i}`);
const ACTIONS = ['pull', 'pull', 'pull', 'pull', 'pull', 'pull', 'pull', 'pull', 'push', 'delete'];
let seed = 42;
const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
const pick = (list) => list[Math.floor(random() * list.length)];

/** The k-th of n rows: times spread over 2025 in order, the rest at random. */
function row(k, n) {
  const time = YEAR_START + Math.floor((k / n) * YEAR_MS);
  const repository = pick(REPOSITORIES);
  const digest = `sha256:${(k * 2_654_435_761).toString(16).padStart(64, '0')}`;
  const actor = `user-${Math.floor(random() * 200)}`;
  const action = pick(ACTIONS);
  const request = { id: `r${k}`, addr: `10.0.${k % 250}.${k % 7}:40000`, host: 'r', method: 'GET', useragent: 'd/27' };
  const event = {
    id: `e${k}`,
    timestamp: new Date(time).toISOString(),
    action,
    target: { mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 1234, digest, length: 1234, repository },
    request,
    actor: { name: actor },
    source: { addr: 'registry:5000', instanceID: 'bench' },
  };
  return eventRow(event);
}

async function timedInserts(store, n) {
  const start = process.hrtime.bigint();
  for (let k = 0; k < n; k += BATCH)
    await store.insert(Array.from({ length: Math.min(BATCH, n - k) }, (_, i) => row(k + i, n)));
  return n / (Number(process.hrtime.bigint() - start) / 1e9);
}

async function timedQueries(store, label) {
  const page = [];
  const count = [];
  for (let q = 0; q < QUERIES; q++) {
    const month = Math.floor(random() * 12);
    const filter = {
      repository: pick(REPOSITORIES),
      from: Date.UTC(2025, month, 1),
      to: Date.UTC(2025, month + 1, 1) - 1,
    };
    let start = process.hrtime.bigint();
    await store.page(filter, { limit: 100 });
    page.push(Number(process.hrtime.bigint() - start) / 1e6);
    start = process.hrtime.bigint();
    await store.stats('action', filter, 10);
    count.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  const ms = (values) => [round(percentile(values, 50)), round(percentile(values, 99))];
  return [
    [label, 'first page (100 rows)', ...ms(page)],
    [label, 'count by action', ...ms(count)],
  ];
}

/** Fills SQLite to `total` rows straight through better-sqlite3 (the store's own statement shape). */
function bulkFill(path, from, total) {
  const db = new Database(path);
  db.pragma('cache_size = -1000000');
  db.pragma('synchronous = OFF');
  const columns = Object.keys(row(0, 1));
  const insert = db.prepare(`insert into audit (${columns.join(',')}) values (${columns.map(() => '?').join(',')})`);
  const chunk = db.transaction((start, end) => {
    for (let k = start; k < end; k++) insert.run(Object.values(row(k, total)));
  });
  const startedAt = Date.now();
  for (let k = from; k < total; k += 100_000) {
    chunk(k, Math.min(total, k + 100_000));
    if ((k + 100_000) % 1_000_000 === 0)
      process.stdout.write(`  ${(k + 100_000) / 1e6}M rows, ${(Date.now() - startedAt) / 1000}s\n`);
  }
  db.exec('analyze');
  db.close();
  return (total - from) / ((Date.now() - startedAt) / 1000);
}

const dir = mkdtempSync(join(tmpdir(), 'bench-audit-'));
const results = { inserts: [], queries: [] };
try {
  const path = join(dir, 'audit.db');
  const sqlite = AuditStore.open({ dialect: 'sqlite', path });
  results.inserts.push(['SQLite (WAL)', INSERTS, BATCH, Math.round(await timedInserts(sqlite, INSERTS))]);
  await sqlite.close();
  if (PG_URL !== 'off') {
    const schema = `bench_audit_${process.pid}`;
    const store = AuditStore.open({ dialect: 'postgres', url: PG_URL, schema });
    try {
      results.inserts.push(['PostgreSQL', INSERTS, BATCH, Math.round(await timedInserts(store, INSERTS))]);
      results.queries.push(...(await timedQueries(store, `PostgreSQL, ${INSERTS} rows`)));
    } finally {
      await store.close();
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      await client.query(`drop schema ${schema} cascade`);
      await client.end();
    }
  }
  // A fresh file: the measured inserts above spread their times over the year at another density.
  rmSync(join(dir, 'audit.db'), { force: true });
  const fresh = AuditStore.open({ dialect: 'sqlite', path });
  await fresh.ready();
  await fresh.close();
  const fillRate = bulkFill(path, 0, ROWS);
  const bytes = statSync(path).size;
  const filled = AuditStore.open({ dialect: 'sqlite', path });
  results.queries.push(...(await timedQueries(filled, `SQLite, ${ROWS} rows (${round(bytes / 2 ** 30)} GiB)`)));
  await filled.close();
  results.fill = { rows: ROWS, rowsPerSecond: Math.round(fillRate), bytes };
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const markdown = [
  '### Audit store: inserts',
  '',
  table(['store', 'rows', 'rows per insert', 'rows/s'], results.inserts),
  '',
  `SQLite bulk fill to ${ROWS} rows (better-sqlite3, prepared statement, 6 indexes): ` +
    `${results.fill.rowsPerSecond} rows/s.`,
  '',
  '### Audit store: one repository in one month',
  '',
  table(['store', 'query', 'p50 ms', 'p99 ms'], results.queries),
].join('\n');
writeReport('audit', { ...results, settings: { ROWS, INSERTS, BATCH, QUERIES } }, markdown);
