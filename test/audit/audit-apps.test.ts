import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { deleteKeys, freePort, tempDir, testRedisClient, testRedisConfig, waitFor } from '@app/testing';
import { sha256, startRegistry, startWorker, type AppProcess, type RegistryProcess } from '../support/index.js';

// The built registry and worker as processes (`npm run build` first) with the default audit store: SQLite
// under the storage root, written by the worker from the event-log queue, read by the registry's admin API.

const TOKEN = 'audit-token';
const root = tempDir('audit-apps-');
let registry: RegistryProcess;
let worker: AppProcess;
let debug: string;
const { redis } = testRedisConfig();

beforeAll(async () => {
  debug = `127.0.0.1:${await freePort()}`;
  const config = {
    storage: { filesystem: { rootdirectory: root.path }, delete: { enabled: true } },
    redis: { addr: redis.addr, prefix: redis.prefix },
    http: { debug: { addr: debug, token: TOKEN } },
  };
  registry = await startRegistry({ config });
  worker = await startWorker({ config });
});

afterAll(async () => {
  await worker?.dispose();
  await registry?.dispose();
  const client = testRedisClient(testRedisConfig({ redis: { prefix: redis.prefix } }));
  await deleteKeys(client, redis.prefix);
  await client.quit();
  root.remove();
});

const audit = async (query: string) => {
  const response = await fetch(`http://${debug}/admin/audit?${query}`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  return (await response.json()) as { entries: { action: string; repository: string; digest: string }[] };
};

describe('audit store of the running apps', () => {
  it('has a row for the push and the pull of a blob, in <root>/_audit/audit.db (WAL)', async () => {
    const blob = Buffer.from(`audit e2e ${Date.now()}`);
    const digest = sha256(blob);
    const push = await fetch(`${registry.url}/v2/audit/e2e/blobs/uploads/?digest=${digest}`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: blob,
    });
    expect(push.status).toBe(201);
    expect((await fetch(`${registry.url}/v2/audit/e2e/blobs/${digest}`)).status).toBe(200);

    const rows = await waitFor(
      async () => (await audit('repository=audit/*')).entries.length >= 2 && audit('repository=audit/*'),
      {
        what: 'two audit rows',
        timeout: 20_000,
      },
    );
    expect(rows.entries.map((entry) => [entry.action, entry.repository, entry.digest])).toEqual([
      ['push', 'audit/e2e', digest],
      ['pull', 'audit/e2e', digest],
    ]);
    const path = join(root.path, '_audit', 'audit.db');
    expect(existsSync(path)).toBe(true);
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });
});
