import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { tempDir, testPostgresSchema } from '@app/testing';
import type { AuditLocation } from './audit-database.js';
import { adminRow, eventRow, type AuditRow } from './audit-row.js';
import { AuditStore, decodeCursor } from './audit-store.js';
import { auditEvent } from './audit-testing.js';

const dir = tempDir('audit-store-');
const postgres = testPostgresSchema();
const DAY = 86_400_000;
const T0 = Date.parse('2026-03-01T00:00:00Z');

const rows: AuditRow[] = [
  eventRow(auditEvent({ at: T0, action: 'push', repository: 'team/app', tag: 'v1', actor: 'ci' })),
  eventRow(auditEvent({ at: T0 + 1000, action: 'pull', repository: 'team/app', actor: 'alice' })),
  eventRow(auditEvent({ at: T0 + DAY, action: 'pull', repository: 'team/sub/lib', actor: 'alice', addr: '10.0.0.7' })),
  eventRow(auditEvent({ at: T0 + DAY, action: 'pull', repository: 'other/app', actor: '', digest: 'sha256:ab' })),
  eventRow(auditEvent({ at: T0 + 2 * DAY, action: 'delete', repository: 'team_x/app', actor: 'bob' })),
];

/** What the store's order (time, then id) makes of the rows. */
const ordered = [...rows].sort((a, b) => a.time - b.time || (a.id < b.id ? -1 : 1)).map((row) => row.id);

describe.each<[string, () => AuditLocation]>([
  ['sqlite', () => ({ dialect: 'sqlite', path: join(dir.path, 'audit.db') })],
  ['postgres', () => ({ dialect: 'postgres', url: postgres.url, schema: postgres.schema })],
])('AuditStore on %s', (_name, location) => {
  let store: AuditStore;

  beforeAll(async () => {
    store = AuditStore.open(location());
    expect(await store.insert(rows)).toBe(rows.length);
  });

  afterAll(async () => {
    await store?.close();
  });

  const ids = async (filter: Parameters<AuditStore['page']>[0], limit = 100) =>
    (await store.page(filter, { limit })).rows.map((row) => row.id);

  it('writes a row once, however often it is inserted (the id is the key)', async () => {
    expect(await store.insert([...rows, rows[0]!])).toBe(0);
    expect(await ids({})).toEqual(ordered);
  });

  it('keeps every field of the event, and the raw event', async () => {
    const [row] = (await store.page({ tag: 'v1' }, { limit: 10 })).rows;
    expect(row).toEqual(rows[0]);
    expect(JSON.parse(row!.raw).target.repository).toBe('team/app');
  });

  it('filters by repository name and glob, action, actor, digest, address and time', async () => {
    expect(await ids({ repository: 'team/app' })).toEqual([rows[0]!.id, rows[1]!.id]);
    expect(await ids({ repository: 'team/*' })).toEqual([rows[0]!.id, rows[1]!.id]);
    expect(await ids({ repository: 'team/**' })).toEqual([rows[0]!.id, rows[1]!.id, rows[2]!.id]);
    expect(await ids({ repository: '*/app' })).toEqual(ordered.filter((id) => id !== rows[2]!.id));
    expect(await ids({ action: 'pull', actor: 'alice' })).toEqual([rows[1]!.id, rows[2]!.id]);
    expect(await ids({ actor: '' })).toEqual([rows[3]!.id]);
    expect(await ids({ digest: 'sha256:ab' })).toEqual([rows[3]!.id]);
    expect(await ids({ addr: '10.0.0.7' })).toEqual([rows[2]!.id]);
    expect(await ids({ addr: '10.0.0' })).toEqual([]);
    expect(await ids({ from: T0 + DAY, to: T0 + DAY })).toEqual([rows[2]!.id, rows[3]!.id].sort());
  });

  it('pages by keyset: each page continues where the last one stopped', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.page({}, { limit: 2, cursor });
      seen.push(...page.rows.map((row) => row.id));
      cursor = page.next;
    } while (cursor);
    expect(seen).toEqual(ordered);
    expect(() => decodeCursor('nonsense')).toThrow(RangeError);
  });

  it('counts by repository, actor, action and day', async () => {
    expect(await store.stats('action', {}, 10)).toEqual([
      { key: 'pull', count: 3 },
      { key: 'delete', count: 1 },
      { key: 'push', count: 1 },
    ]);
    expect((await store.stats('actor', { action: 'pull' }, 1))[0]).toEqual({ key: 'alice', count: 2 });
    expect(await store.stats('repository', { repository: 'team/**' }, 10)).toEqual([
      { key: 'team/app', count: 2 },
      { key: 'team/sub/lib', count: 1 },
    ]);
    expect(await store.stats('day', {}, 10)).toEqual([
      { key: '2026-03-01', count: 2 },
      { key: '2026-03-02', count: 2 },
      { key: '2026-03-03', count: 1 },
    ]);
  });

  it('keeps admin actions with who did them', async () => {
    const action = adminRow({
      ...{ id: `admin-${_name}`, time: T0 + 3 * DAY, action: 'replay', endpoint: 'hook', actor: 'admin' },
      ...{ addr: '127.0.0.1', useragent: 'curl/8', instance: 'i-1', source: 'r:5000', details: { ids: ['e1'] } },
    });
    await store.insert([action]);
    const [row] = (await store.page({ action: 'admin.replay' }, { limit: 10 })).rows;
    expect(row).toMatchObject({ kind: 'admin', actor: 'admin', endpoint: 'hook', addr: '127.0.0.1' });
    expect(JSON.parse(row!.raw)).toEqual({ action: 'replay', endpoint: 'hook', ids: ['e1'] });
  });

  it('enforces retention by deleting what is older than the bound', async () => {
    expect(await store.prune(T0 + DAY)).toBe(2);
    expect(await ids({})).not.toContain(rows[0]!.id);
    expect(await store.prune(T0 + DAY)).toBe(0);
  });
});

afterAll(async () => {
  await postgres.drop();
  dir.remove();
});
