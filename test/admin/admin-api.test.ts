import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Module, type DynamicModule, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { pino } from 'pino';
import { ConfigModule, type RegistryConfig } from '@app/config';
import { LoggerModule } from '@app/logging';
import { wireEvent, type Event } from '@app/events';
import { RedisKeys } from '@app/records';
import { HttpReceiver, freePort, waitFor } from '@app/testing';
import { DebugModule } from '../../apps/registry/src/debug/index.js';
import { DeliveryHarness, makeEvent, testConfig } from '../delivery/delivery-harness.js';

@Module({})
class DebugTestModule {
  static forRoot(config: RegistryConfig): DynamicModule {
    return { module: DebugTestModule, imports: [ConfigModule.forRoot(config), LoggerModule.forRoot(pino({ level: 'silent' })), DebugModule] };
  }
}

async function startDebug(config: RegistryConfig): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(DebugTestModule.forRoot(config), { logger: false });
  await app.init();
  return app;
}

const TOKEN = 'admin-secret-token';
let failing: HttpReceiver;
let healthy: HttpReceiver;
let gone: HttpReceiver;
let harness: DeliveryHarness;
let app: INestApplicationContext;
let base: string;
let up = false;

async function call(method: string, path: string, options: { token?: string | null; body?: unknown } = {}): Promise<{ status: number; json: any; text: string; headers: Headers }> {
  const token = options.token === undefined ? TOKEN : options.token;
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text, headers: response.headers };
}

beforeAll(async () => {
  failing = await HttpReceiver.start();
  failing.responder = (_request, response) => void response.writeHead(up ? 200 : 500).end('nope');
  healthy = await HttpReceiver.start();
  gone = await HttpReceiver.start();
  gone.responder = (_request, response) => void response.writeHead(gone.requests.length === 1 ? 410 : 200).end();
  const addr = `127.0.0.1:${await freePort()}`;
  const endpoints = [
    { name: 'failing', url: failing.url, schedule: ['10ms'], jitter: 0 },
    { name: 'healthy', url: healthy.url },
    { name: 'gone', url: gone.url, concurrency: 1 },
  ];
  const config = testConfig(endpoints);
  config.http.debug = Object.assign(config.http.debug ?? ({} as NonNullable<RegistryConfig['http']['debug']>), { addr, token: TOKEN, prometheus: { enabled: true, path: '/metrics' } });
  harness = new DeliveryHarness(config);
  await harness.pipeline.start();
  app = await startDebug(config);
  base = `http://${addr}`;
});

afterAll(async () => {
  await app?.close();
  await harness?.close();
  await failing?.stop();
  await healthy?.stop();
  await gone?.stop();
});

describe('admin API auth', () => {
  it('answers 401 without a token or with a wrong one, and serves /metrics without one', async () => {
    const none = await call('GET', '/admin/endpoints', { token: null });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await call('GET', '/admin/endpoints', { token: 'wrong' })).status).toBe(401);
    expect((await call('GET', '/admin/endpoints', { token: `${TOKEN}x` })).status).toBe(401);
    expect((await call('GET', '/metrics', { token: null })).status).toBe(200);
    expect((await call('GET', '/nothing-here')).status).toBe(404);
  });

  it('is off when no token is configured', async () => {
    const addr = `127.0.0.1:${await freePort()}`;
    const config = testConfig([{ name: 'x', url: 'http://127.0.0.1:1/' }]);
    config.http.debug = { addr, prometheus: { enabled: true, path: '/metrics' } } as NonNullable<RegistryConfig['http']['debug']>;
    const other = await startDebug(config);
    try {
      expect((await fetch(`http://${addr}/admin/endpoints`, { headers: { authorization: 'Bearer ' } })).status).toBe(404);
      expect((await fetch(`http://${addr}/metrics`)).status).toBe(200);
    } finally {
      await other.close();
    }
  });
});

describe('admin API', () => {
  let deadEvent: Event;
  let okEvent: Event;

  beforeAll(async () => {
    deadEvent = await harness.enqueue('failing');
    okEvent = await harness.enqueue('healthy');
    await waitFor(async () => (await call('GET', '/admin/endpoints/failing')).json?.deadLetters === 1);
    await waitFor(() => healthy.requests.length === 1);
  });

  it('lists endpoints with state, pending and counters', async () => {
    const { status, json } = await call('GET', '/admin/endpoints');
    expect(status).toBe(200);
    const byName = Object.fromEntries(json.endpoints.map((e: { name: string }) => [e.name, e]));
    expect(byName.failing).toMatchObject({ deadLetters: 1, state: { state: 'healthy', consecutiveFailures: 2, lastStatus: 500 }, counters: { events: 1, failures: 2, successes: 0 } });
    expect(byName.healthy).toMatchObject({ deadLetters: 0, pending: { waiting: 0, delayed: 0, active: 0, parked: 0 }, counters: { events: 1, successes: 1 } });
    expect((await call('GET', '/admin/endpoints/nope')).status).toBe(404);
  });

  it('lists attempts filtered by status', async () => {
    const failed = await call('GET', '/admin/endpoints/failing/attempts?status=500');
    expect(failed.json.attempts.map((a: { attempt: number }) => a.attempt)).toEqual([2, 1]);
    expect(failed.json.attempts[0]).toMatchObject({ eventId: deadEvent.id, response: 'nope', outcome: 'gaveup' });
    expect((await call('GET', '/admin/endpoints/failing/attempts?status=delivered')).json.attempts).toEqual([]);
    const page = await call('GET', '/admin/endpoints/failing/attempts?limit=1');
    expect(page.json.attempts).toHaveLength(1);
    const next = await call('GET', `/admin/endpoints/failing/attempts?limit=1&before=${page.json.next}`);
    expect(next.json.attempts[0].attempt).toBe(1);
    expect((await call('GET', '/admin/endpoints/healthy/attempts?status=delivered')).json.attempts[0]).toMatchObject({ eventId: okEvent.id, status: 200 });
    expect((await call('GET', '/admin/endpoints/healthy/attempts?limit=x')).status).toBe(400);
  });

  it('lists dead letters and replays them', async () => {
    const list = await call('GET', '/admin/endpoints/failing/deadletters');
    expect(list.json.entries).toHaveLength(1);
    expect(list.json.entries[0]).toMatchObject({ event: { id: deadEvent.id }, attempts: [{ attempt: 2 }, { attempt: 1 }] });
    expect((await call('POST', '/admin/endpoints/failing/replay', { body: {} })).status).toBe(400);
    expect((await call('POST', '/admin/endpoints/failing/replay', { body: { from: 'yesterday' } })).status).toBe(400);
    up = true;
    const before = failing.requests.length;
    const replay = await call('POST', '/admin/endpoints/failing/replay', { body: { id: deadEvent.id } });
    expect(replay.json).toEqual({ replayed: [deadEvent.id] });
    await waitFor(() => failing.requests.length === before + 1);
    expect(JSON.parse(failing.requests[before].body).events[0].id).toBe(deadEvent.id);
    expect((await call('GET', '/admin/endpoints/failing/deadletters')).json.entries).toEqual([]);
    expect((await call('POST', '/admin/endpoints/failing/replay', { body: { all: true } })).json).toEqual({ replayed: [] });
  });

  it('sends a test event through the queue', async () => {
    const sent = await call('POST', '/admin/endpoints/healthy/test');
    expect(sent.status).toBe(202);
    await waitFor(() => healthy.requests.some((request) => request.body.includes(sent.json.id)));
    const delivered = healthy.requests.find((request) => request.body.includes(sent.json.id))!;
    expect(JSON.parse(delivered.body).events[0]).toMatchObject({ id: sent.json.id, action: 'push', target: { repository: 'test/webhook' }, actor: { name: 'admin' } });
  });

  it('enables an endpoint that a 410 disabled: its waiting events then arrive', async () => {
    await harness.enqueue('gone');
    await waitFor(async () => (await call('GET', '/admin/endpoints/gone')).json?.paused === true);
    const waiting = await harness.enqueue('gone');
    const disabled = (await call('GET', '/admin/endpoints/gone')).json;
    expect(disabled).toMatchObject({ paused: true, deadLetters: 1, state: { state: 'disabled', disabledReason: 'endpoint answered 410 Gone' } });
    const enabled = await call('POST', '/admin/endpoints/gone/enable');
    expect(enabled.json).toMatchObject({ paused: false, state: { state: 'healthy' } });
    await waitFor(() => gone.requests.some((request) => request.body.includes(waiting.id)));
  });

  it('serves delivery metrics with distribution names', async () => {
    const { text } = await call('GET', '/metrics', { token: null });
    expect(text).toMatch(/registry_notifications_events_total\{type="Successes",action="push",endpoint="healthy"\} [1-9]/);
    expect(text).toMatch(/registry_notifications_events_total\{type="Failures",action="push",endpoint="failing"\} 2/);
    expect(text).toMatch(/registry_notifications_status_total\{code="500 Internal Server Error",endpoint="failing"\} 2/);
    expect(text).toMatch(/registry_notifications_pending_total\{endpoint="healthy"\} 0/);
    expect(text).toMatch(/registry_notifications_errors_total\{endpoint="healthy"\} 0/);
    expect(text).toMatch(/registry_notifications_delivery_duration_seconds_bucket\{le="\+Inf",endpoint="healthy"\} [1-9]/);
    expect(text).toMatch(/registry_notifications_deadlettered_total\{endpoint="failing"\} 1/);
  });
});

describe('event log query', () => {
  const logged: Event[] = [];

  beforeAll(async () => {
    const samples = [
      { action: 'push', repository: 'team/api', actor: 'alice' },
      { action: 'pull', repository: 'team/api', actor: 'bob' },
      { action: 'pull', repository: 'team/web', actor: 'bob' },
      { action: 'pull', repository: 'other/tool' },
      { action: 'delete', repository: 'team/api', actor: 'alice' },
    ] as const;
    for (const sample of samples) {
      const event = makeEvent(sample);
      logged.push(event);
      await harness.redis.xadd(RedisKeys.eventLog(harness.prefix), '*', 'event', JSON.stringify(wireEvent(event)));
    }
  });

  it('filters by action, repository and actor', async () => {
    const ids = async (query: string) => (await call('GET', `/admin/events?${query}`)).json.events.map((e: Event) => e.id);
    expect(await ids('action=pull&actor=bob')).toEqual([logged[1].id, logged[2].id]);
    expect(await ids('repository=team/api')).toEqual([logged[0].id, logged[1].id, logged[4].id]);
    expect(await ids('repository=team/*&action=pull')).toEqual([logged[1].id, logged[2].id]);
    expect(await ids('actor=')).toEqual([logged[3].id]);
  });

  it('pages and bounds by time', async () => {
    const first = await call('GET', '/admin/events?limit=2');
    expect(first.json.events.map((e: Event) => e.id)).toEqual([logged[0].id, logged[1].id]);
    const second = await call('GET', `/admin/events?limit=2&cursor=${first.json.next}`);
    expect(second.json.events.map((e: Event) => e.id)).toEqual([logged[2].id, logged[3].id]);
    const future = new Date(Date.now() + 60_000).toISOString();
    expect((await call('GET', `/admin/events?from=${future}`)).json.events).toEqual([]);
    expect((await call('GET', `/admin/events?to=0`)).json.events).toEqual([]);
    expect((await call('GET', '/admin/events?from=notatime')).status).toBe(400);
  });
});
