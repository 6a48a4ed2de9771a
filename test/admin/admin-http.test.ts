import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { eventRow } from '@app/audit';
import type { Event } from '@app/events';
import { freePort } from '@app/testing';
import { call, debugConfig, makeEvent, startDebug, TOKEN, WorkerRecords } from './admin-support.js';

// The admin API's HTTP contract on the debug listener: auth, errors, bodies and queries, the event query.

const endpoints = [{ name: 'hook', url: 'http://127.0.0.1:9/' }];
const opened: NestExpressApplication[] = [];
let records: WorkerRecords;
let base: string;

async function listen(config: Awaited<ReturnType<typeof debugConfig>>): Promise<string> {
  opened.push(await startDebug(config));
  return `http://${config.http.debug!.addr}`;
}

beforeAll(async () => {
  const config = await debugConfig(endpoints);
  records = new WorkerRecords(config);
  base = await listen(config);
});

afterAll(async () => {
  for (const app of opened) await app.close();
  await records?.close();
});

describe('admin API auth', () => {
  it('answers 401 with the Bearer challenge without the right token, and serves /metrics without one', async () => {
    const none = await call(base, 'GET', '/admin/endpoints', { token: null });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="registry-debug"');
    expect(none.json).toEqual({ error: 'unauthorized: Authorization: Bearer <http.debug.token> required' });
    expect((await call(base, 'GET', '/admin/endpoints', { token: 'wrong' })).status).toBe(401);
    expect((await call(base, 'GET', '/admin/endpoints', { token: `${TOKEN}x` })).status).toBe(401);
    expect((await call(base, 'GET', '/admin/events', { token: TOKEN.slice(1) })).status).toBe(401);
    const basic = await fetch(`${base}/admin/endpoints`, { headers: { authorization: `Basic ${TOKEN}` } });
    expect(basic.status).toBe(401);
    expect((await call(base, 'GET', '/metrics', { token: null })).status).toBe(200);
  });

  it('checks the token before reading a body', async () => {
    const answer = await call(base, 'POST', '/admin/endpoints/hook/replay', { token: null, body: '{' });
    expect(answer.status).toBe(401);
  });

  it('is off (404) when no token is configured, whatever the request says', async () => {
    const off = await listen(await debugConfig(endpoints, null));
    const answer = await fetch(`${off}/admin/endpoints`, { headers: { authorization: 'Bearer ' } });
    expect([answer.status, await answer.json()]).toEqual([404, { error: 'admin API disabled: set http.debug.token' }]);
    expect((await call(off, 'POST', '/admin/endpoints/hook/test', { token: 'anything' })).status).toBe(404);
    expect((await fetch(`${off}/metrics`)).status).toBe(200);
  });
});

describe('admin API errors and input', () => {
  it('answers 404 "not found" to unknown paths and methods', async () => {
    expect(await call(base, 'GET', '/nothing-here')).toMatchObject({ status: 404, json: { error: 'not found' } });
    expect(await call(base, 'DELETE', '/admin/endpoints/hook')).toMatchObject({
      status: 404,
      json: { error: 'not found' },
    });
  });

  it('reads a POST body as JSON whatever its content type, refuses one that is not', async () => {
    const form = await call(base, 'POST', '/admin/endpoints/hook/replay', {
      body: '{"all":true}',
      type: 'application/x-www-form-urlencoded',
    });
    expect(form).toMatchObject({ status: 200, json: { replayed: [] } });
    const broken = await call(base, 'POST', '/admin/endpoints/hook/replay', { body: '{' });
    expect(broken).toMatchObject({ status: 400, json: { error: 'body is not valid JSON' } });
    const empty = await call(base, 'POST', '/admin/endpoints/hook/replay', { body: '' });
    expect(empty.status).toBe(400);
    expect(empty.json.error).toMatch(/^say what to replay/);
  });

  it('takes a parameter given twice at its first value', async () => {
    expect((await call(base, 'GET', '/admin/endpoints/hook/attempts?limit=1&limit=x')).status).toBe(200);
    expect((await call(base, 'GET', '/admin/endpoints/hook/attempts?limit=x&limit=1')).status).toBe(400);
  });

  it('answers 503 while the delivery records are unreachable', async () => {
    const config = await debugConfig(endpoints);
    config.redis.addr = `127.0.0.1:${await freePort()}`;
    const down = await listen(config);
    const answer = await call(down, 'GET', '/admin/endpoints/hook');
    expect(answer.status).toBe(503);
    expect(answer.json.error).toMatch(/^delivery records unavailable: /);
  });
});

describe('event query (/admin/events, from the audit store)', () => {
  const logged: Event[] = [];

  beforeAll(async () => {
    const samples = [
      { action: 'push', repository: 'team/api', actor: 'alice' },
      { action: 'pull', repository: 'team/api', actor: 'bob' },
      { action: 'pull', repository: 'team/web', actor: 'bob' },
      { action: 'pull', repository: 'other/tool' },
      { action: 'delete', repository: 'team/api', actor: 'alice' },
    ] as const;
    const at = Date.now() - 60_000;
    logged.push(...samples.map((sample, i) => ({ ...makeEvent(sample), timestamp: new Date(at + i).toISOString() })));
    await records.audit.insert(logged.map(eventRow));
  });

  const ids = async (query: string) =>
    (await call(base, 'GET', `/admin/events?${query}`)).json.events.map((e: Event) => e.id);

  it('filters by action, repository and actor', async () => {
    expect(await ids('action=pull&actor=bob')).toEqual([logged[1]!.id, logged[2]!.id]);
    expect(await ids('repository=team/api')).toEqual([logged[0]!.id, logged[1]!.id, logged[4]!.id]);
    expect(await ids('repository=team/*&action=pull')).toEqual([logged[1]!.id, logged[2]!.id]);
    expect(await ids('actor=')).toEqual([logged[3]!.id]);
  });

  it('pages and bounds by time', async () => {
    const first = await call(base, 'GET', '/admin/events?limit=2');
    expect(first.json.events.map((e: Event) => e.id)).toEqual([logged[0]!.id, logged[1]!.id]);
    const second = await call(base, 'GET', `/admin/events?limit=2&cursor=${first.json.next}`);
    expect(second.json.events.map((e: Event) => e.id)).toEqual([logged[2]!.id, logged[3]!.id]);
    expect(await ids(`from=${new Date(Date.now() + 60_000).toISOString()}`)).toEqual([]);
    expect(await ids('to=0')).toEqual([]);
    const bad = await call(base, 'GET', '/admin/events?from=notatime');
    expect(bad).toMatchObject({
      status: 400,
      json: { error: 'from: expected an ISO 8601 time or ms since the epoch' },
    });
  });
});
