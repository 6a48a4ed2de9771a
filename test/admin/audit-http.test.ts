import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { pino } from 'pino';
import { auditEvent, eventRow } from '@app/audit';
import { ConfigModule } from '@app/config';
import type { Event } from '@app/events';
import { LoggerModule } from '@app/logging';
import { freePort, waitFor } from '@app/testing';
import { EventLogModule } from '../../apps/worker/src/event-log/event-log.module.js';
import { call, debugConfig, startDebug, WorkerRecords } from './admin-support.js';

// The audit query API on the debug listener: filters, keyset pages, exports, counts, and the admin actions
// (written by the worker's event-log consumer, run here in-process).

let records: WorkerRecords;
let debug: NestExpressApplication;
let worker: INestApplicationContext;
let base: string;
const DAY = 86_400_000;
const T0 = Date.parse('2026-03-01T10:00:00Z');
const events: Event[] = [
  auditEvent({ at: T0, action: 'push', repository: 'prod/api', tag: 'v1', actor: 'ci' }),
  auditEvent({ at: T0 + 1, action: 'pull', repository: 'prod/api', tag: 'v1', actor: 'alice', addr: '10.1.1.1' }),
  auditEvent({ at: T0 + DAY, action: 'pull', repository: 'prod/web/ui', actor: 'alice', digest: 'sha256:feed' }),
  auditEvent({ at: T0 + DAY + 1, action: 'pull', repository: 'dev/api', actor: 'bob' }),
  auditEvent({ at: T0 + 40 * DAY, action: 'delete', repository: 'prod/api', actor: 'ci' }),
];
events[3]!.request.useragent = 'evil "agent", with\nnewline';

beforeAll(async () => {
  const config = await debugConfig([{ name: 'hook', url: 'http://127.0.0.1:9/' }]);
  records = new WorkerRecords(config);
  await records.audit.insert(events.map(eventRow));
  debug = await startDebug(config);
  base = `http://${config.http.debug!.addr}`;
  @Module({ imports: [ConfigModule.forRoot(config), LoggerModule.forRoot(pino({ level: 'silent' })), EventLogModule] })
  class Worker {}
  worker = await NestFactory.createApplicationContext(Worker, { logger: false });
  await worker.init();
});

afterAll(async () => {
  await worker?.close();
  await debug?.close();
  await records?.close();
});

const ids = async (query: string): Promise<string[]> => {
  const answer = await call(base, 'GET', `/admin/audit?${query}`);
  expect(answer.status).toBe(200);
  return answer.json.entries.map((entry: { id: string }) => entry.id);
};
const id = (...indexes: number[]) => indexes.map((index) => events[index]!.id);

describe('GET /admin/audit', () => {
  it('needs the admin token', async () => {
    expect((await call(base, 'GET', '/admin/audit', { token: null })).status).toBe(401);
  });

  it('answers "who pulled this digest", "who pushed to prod/", by address and by month', async () => {
    expect(await ids('digest=sha256:feed&action=pull')).toEqual(id(2));
    expect(await ids('repository=prod/**&actor=ci&action=push')).toEqual(id(0));
    expect(await ids('repository=prod/*')).toEqual(id(0, 1, 4));
    expect(await ids('repository=prod/api&tag=v1')).toEqual(id(0, 1));
    expect(await ids('addr=10.1.1.1')).toEqual(id(1));
    expect(await ids('from=2026-03-01&to=2026-03-31T23:59:59.999Z&action=pull')).toEqual(id(1, 2, 3));
  });

  it('shows each row with its fields and the raw event', async () => {
    const [entry] = (await call(base, 'GET', `/admin/audit?tag=v1&action=pull`)).json.entries;
    expect(entry).toMatchObject({
      ...{ time: '2026-03-01T10:00:00.001Z', kind: 'event', action: 'pull', repository: 'prod/api', tag: 'v1' },
      ...{ actor: 'alice', addr: '10.1.1.1:50000', user_agent: 'test/1', instance: 'instance-1' },
    });
    expect(entry.raw).toEqual(events[1]);
  });

  it('pages by keyset with `next`, and refuses bad input', async () => {
    const first = await call(base, 'GET', '/admin/audit?limit=2&kind=event');
    expect(first.json.entries.map((entry: { id: string }) => entry.id)).toEqual(id(0, 1));
    const second = await call(base, 'GET', `/admin/audit?limit=2&cursor=${first.json.next}`);
    expect(second.json.entries.map((entry: { id: string }) => entry.id)).toEqual(id(2, 3));
    expect(await call(base, 'GET', '/admin/audit?cursor=zzz')).toMatchObject({ status: 400 });
    expect(await call(base, 'GET', '/admin/audit?from=never')).toMatchObject({ status: 400 });
    expect(await call(base, 'GET', '/admin/audit?limit=5000')).toMatchObject({ status: 400 });
  });
});

describe('GET /admin/audit/export and /admin/audit/stats', () => {
  it('streams JSON lines and CSV (quoted as RFC 4180 says) for the same filters', async () => {
    const jsonl = await call(base, 'GET', '/admin/audit/export?repository=prod/**');
    expect(jsonl.headers.get('content-type')).toBe('application/x-ndjson');
    const lines = jsonl.text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: string });
    expect(lines.map((line) => line.id)).toEqual(id(0, 1, 2, 4));
    const csv = await call(base, 'GET', '/admin/audit/export?format=csv&actor=bob');
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const [header, row] = csv.text.split('\r\n');
    expect(header).toMatch(/^time,id,kind,action,repository,digest,tag,media_type,size,actor,addr,user_agent,/);
    expect(row).toContain(`,bob,192.0.2.1:50000,"evil ""agent"", with\nnewline",`);
    expect(await call(base, 'GET', '/admin/audit/export?format=xml')).toMatchObject({ status: 400 });
  });

  it('counts pulls per repository, per actor, per day and per action', async () => {
    const stats = async (query: string) => (await call(base, 'GET', `/admin/audit/stats?${query}`)).json.counts;
    expect(await stats('by=repository&action=pull')).toEqual([
      { key: 'dev/api', count: 1 },
      { key: 'prod/api', count: 1 },
      { key: 'prod/web/ui', count: 1 },
    ]);
    expect(await stats('by=actor&action=pull')).toEqual([
      { key: 'alice', count: 2 },
      { key: 'bob', count: 1 },
    ]);
    expect(await stats('by=day&action=pull')).toEqual([
      { key: '2026-03-01', count: 1 },
      { key: '2026-03-02', count: 2 },
    ]);
    expect((await stats('by=action&kind=event'))[0]).toEqual({ key: 'pull', count: 3 });
    expect(await call(base, 'GET', '/admin/audit/stats?by=weather')).toMatchObject({ status: 400 });
  });
});

describe('admin actions in the audit store', () => {
  it('records a test event and an enable with who did them', async () => {
    const sent = await call(base, 'POST', '/admin/endpoints/hook/test');
    expect(sent.status).toBe(202);
    expect((await call(base, 'POST', '/admin/endpoints/hook/enable')).status).toBe(200);
    const rows = await waitFor(
      async () => {
        const answer = await call(base, 'GET', '/admin/audit?kind=admin');
        return answer.json.entries.length === 2 && answer.json.entries;
      },
      { what: 'two admin actions' },
    );
    expect(rows.map((row: { action: string }) => row.action).sort()).toEqual(['admin.enable', 'admin.test']);
    const test = rows.find((row: { action: string }) => row.action === 'admin.test');
    expect(test).toMatchObject({ kind: 'admin', actor: 'admin', endpoint: 'hook', user_agent: 'node' });
    expect(test.addr).toMatch(/127\.0\.0\.1/);
    expect(test.raw).toEqual({ action: 'test', endpoint: 'hook', id: sent.json.id });
  });
});

describe('the audit routes with the database down', () => {
  it('answer 503', async () => {
    const url = `postgres://postgres@127.0.0.1:${await freePort()}/test`;
    const config = await debugConfig([]);
    const down = await startDebug({ ...config, audit: { ...config.audit, postgres: { url, schema: 'public' } } });
    try {
      const answer = await call(`http://${config.http.debug!.addr}`, 'GET', '/admin/audit/stats?by=actor');
      expect(answer.status).toBe(503);
      expect(answer.json.error).toMatch(/unavailable/);
    } finally {
      await down.close();
    }
  });
});
