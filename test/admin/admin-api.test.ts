import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Event } from '@app/events';
import { call as request, debugConfig, makeEvent, startDebug, WorkerRecords, type Answer } from './admin-support.js';

// The admin API on the debug listener's app, over records written as the worker writes them.

let records: WorkerRecords;
let app: NestExpressApplication;
let base: string;
const call = (method: string, path: string, options?: Parameters<typeof request>[3]): Promise<Answer> =>
  request(base, method, path, options);

let deadEvent: Event;
let okEvent: Event;

beforeAll(async () => {
  const config = await debugConfig([
    { name: 'failing', url: 'http://127.0.0.1:9/failing' },
    { name: 'healthy', url: 'http://127.0.0.1:9/healthy' },
    { name: 'gone', url: 'http://127.0.0.1:9/gone' },
  ]);
  records = new WorkerRecords(config);
  app = await startDebug(config);
  base = `http://${config.http.debug!.addr}`;
  deadEvent = makeEvent();
  await records.attempt('failing', deadEvent, 1, 500);
  await records.attempt('failing', deadEvent, 2, 500, true);
  await records.deadLetter('failing', deadEvent, 'retries exhausted');
  okEvent = makeEvent();
  await records.attempt('healthy', okEvent, 1, 200);
});

afterAll(async () => {
  await app?.close();
  await records?.close();
});

describe('admin API', () => {
  it('lists endpoints with state, pending and counters', async () => {
    const { status, json, text, headers } = await call('GET', '/admin/endpoints');
    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(text).toMatch(/^\{\n {2}"endpoints": \[/);
    const byName = Object.fromEntries(json.endpoints.map((e: { name: string }) => [e.name, e]));
    expect(Object.keys(byName)).toEqual(['failing', 'healthy', 'gone']);
    expect(byName.failing).toMatchObject({
      deadLetters: 1,
      state: { state: 'healthy', consecutiveFailures: 2, lastStatus: 500 },
    });
    expect(byName.failing.counters).toMatchObject({ events: 1, failures: 2, successes: 0, deadLettered: 1 });
    expect(byName.healthy).toMatchObject({ deadLetters: 0, counters: { events: 1, successes: 1 } });
    expect(byName.healthy.pending).toEqual({ waiting: 0, delayed: 0, active: 0 });
    expect(await call('GET', '/admin/endpoints/healthy')).toMatchObject({ status: 200, json: byName.healthy });
    expect(await call('GET', '/admin/endpoints/nope')).toMatchObject({
      status: 404,
      json: { error: 'no endpoint named nope' },
    });
  });

  it('lists attempts filtered by status, paged', async () => {
    const failed = await call('GET', '/admin/endpoints/failing/attempts?status=500');
    expect(failed.json.attempts.map((a: { attempt: number }) => a.attempt)).toEqual([2, 1]);
    expect(failed.json.attempts[0]).toMatchObject({ eventId: deadEvent.id, response: 'nope', outcome: 'gaveup' });
    expect((await call('GET', '/admin/endpoints/failing/attempts?status=delivered')).json.attempts).toEqual([]);
    const page = await call('GET', '/admin/endpoints/failing/attempts?limit=1');
    expect(page.json.attempts).toHaveLength(1);
    const next = await call('GET', `/admin/endpoints/failing/attempts?limit=1&before=${page.json.next}`);
    expect(next.json.attempts[0].attempt).toBe(1);
    const delivered = await call('GET', '/admin/endpoints/healthy/attempts?status=delivered');
    expect(delivered.json.attempts[0]).toMatchObject({ eventId: okEvent.id, status: 200 });
    const bad = await call('GET', '/admin/endpoints/healthy/attempts?limit=x');
    expect(bad).toMatchObject({ status: 400, json: { error: 'limit: expected a positive integer' } });
  });

  it('lists dead letters and replays them through the queue', async () => {
    const list = await call('GET', '/admin/endpoints/failing/deadletters');
    expect(list.json.entries).toHaveLength(1);
    expect(list.json.entries[0]).toMatchObject({
      event: { id: deadEvent.id },
      attempts: [{ attempt: 2 }, { attempt: 1 }],
    });
    expect((await call('GET', '/admin/endpoints/failing/deadletters?from=0&to=1')).json.entries).toEqual([]);
    const vague = await call('POST', '/admin/endpoints/failing/replay', { body: {} });
    expect(vague).toMatchObject({ status: 400, json: { error: expect.stringMatching(/^say what to replay/) } });
    const badTime = await call('POST', '/admin/endpoints/failing/replay', { body: { from: 'yesterday' } });
    expect(badTime).toMatchObject({
      status: 400,
      json: { error: 'from: expected an ISO 8601 time or ms since the epoch' },
    });
    const replay = await call('POST', '/admin/endpoints/failing/replay', { body: { id: deadEvent.id } });
    expect(replay).toMatchObject({ status: 200, json: { replayed: [deadEvent.id] } });
    const [job] = await records.queue('failing').getJobs(['wait']);
    expect(job?.data.events.map((event) => event.id)).toEqual([deadEvent.id]);
    expect((await call('GET', '/admin/endpoints/failing/deadletters')).json.entries).toEqual([]);
    expect((await call('POST', '/admin/endpoints/failing/replay', { body: { all: true } })).json).toEqual({
      replayed: [],
    });
    expect((await call('GET', '/admin/endpoints/failing')).json.pending).toEqual({ waiting: 1, delayed: 0, active: 0 });
  });

  it('sends a test event through the queue', async () => {
    const sent = await call('POST', '/admin/endpoints/healthy/test');
    expect(sent.status).toBe(202);
    expect(sent.json.event.id).toBe(sent.json.id);
    const job = await records.queue('healthy').getJob(sent.json.id);
    expect(job?.data.events[0]).toMatchObject({
      id: sent.json.id,
      action: 'push',
      target: { repository: 'test/webhook' },
      actor: { name: 'admin' },
    });
  });

  it('enables an endpoint that a 410 disabled: its queue resumes', async () => {
    const gone = makeEvent();
    await records.attempt('gone', gone, 1, 410, true);
    await records.deadLetter('gone', gone, 'endpoint answered 410 Gone');
    await records.states.disable('gone', 'endpoint answered 410 Gone');
    await records.queue('gone').pause();
    const disabled = (await call('GET', '/admin/endpoints/gone')).json;
    const reason = 'endpoint answered 410 Gone';
    expect(disabled).toMatchObject({
      paused: true,
      deadLetters: 1,
      state: { state: 'disabled', disabledReason: reason },
    });
    const enabled = await call('POST', '/admin/endpoints/gone/enable');
    expect(enabled).toMatchObject({ status: 200, json: { paused: false, state: { state: 'healthy' } } });
    expect(await records.queue('gone').isPaused()).toBe(false);
  });

  it('serves delivery metrics with distribution names', async () => {
    const { text, headers } = await call('GET', '/metrics', { token: null });
    expect(headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(text).toMatch(/registry_notifications_events_total\{type="Successes",action="push",endpoint="healthy"\} 1/);
    expect(text).toMatch(/registry_notifications_events_total\{type="Failures",action="push",endpoint="failing"\} 2/);
    expect(text).toMatch(
      /registry_notifications_status_total\{code="500 Internal Server Error",endpoint="failing"\} 2/,
    );
    expect(text).toMatch(/registry_notifications_pending_total\{endpoint="healthy"\} 1/);
    expect(text).toMatch(/registry_notifications_errors_total\{endpoint="healthy"\} 0/);
    expect(text).toMatch(/registry_notifications_delivery_duration_seconds_bucket\{le="\+Inf",endpoint="healthy"\} 1/);
    expect(text).toMatch(/registry_notifications_deadlettered_total\{endpoint="failing"\} 1/);
  });
});
