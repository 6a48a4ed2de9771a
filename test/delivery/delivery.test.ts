import { afterEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { serializeEnvelope, EVENTS_MEDIA_TYPE_V1, EVENTS_MEDIA_TYPE_V2 } from '@app/events';
import { HttpReceiver, freePort, waitFor } from '@app/testing';
import { AttemptHistory } from '@app/records';
import { DeliveryHarness, makeEvent, sleep } from './delivery-harness.js';

let harness: DeliveryHarness | undefined;
let receivers: HttpReceiver[] = [];

async function receiver(): Promise<HttpReceiver> {
  const started = await HttpReceiver.start();
  receivers.push(started);
  return started;
}

function history(h: DeliveryHarness): AttemptHistory {
  return new AttemptHistory(h.redis, h.prefix, { attempts: 1000, maxage: 3_600_000 });
}

afterEach(async () => {
  await harness?.close();
  harness = undefined;
  await Promise.all(receivers.map((r) => r.stop()));
  receivers = [];
});

describe('delivery', () => {
  it("POSTs distribution's envelope with the configured headers on keep-alive connections", async () => {
    const rx = await receiver();
    const ports: number[] = [];
    rx.responder = (_request, response) => {
      ports.push(response.socket!.remotePort!);
      response.writeHead(200).end('ok');
    };
    harness = await DeliveryHarness.start([
      { name: 'a', url: rx.url, headers: { Authorization: ['Bearer abc'], 'X-Multi': ['1', '2'] }, concurrency: 1 },
    ]);
    const first = await harness.enqueue('a');
    await waitFor(() => rx.requests.length === 1);
    const second = await harness.enqueue('a');
    await waitFor(() => rx.requests.length === 2);
    const [request] = rx.requests;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/events');
    expect(request.headers['content-type']).toBe(EVENTS_MEDIA_TYPE_V1);
    expect(request.headers.authorization).toBe('Bearer abc');
    expect(request.headers['x-multi']).toBe('1, 2');
    expect(request.body).toBe(serializeEnvelope([first]));
    expect(rx.requests[1].body).toBe(serializeEnvelope([second]));
    expect(ports[1]).toBe(ports[0]);
  });

  it('sends the v2 media type when the endpoint asks for it', async () => {
    const rx = await receiver();
    harness = await DeliveryHarness.start([{ name: 'a', url: rx.url, envelope: 'v2' }]);
    await harness.enqueue('a');
    await waitFor(() => rx.requests.length === 1);
    expect(rx.requests[0].headers['content-type']).toBe(EVENTS_MEDIA_TYPE_V2);
  });

  it('classifies 2xx/3xx as delivered and 4xx/5xx as retried, recording each attempt', async () => {
    const rx = await receiver();
    const statuses = [500, 404, 302, 201];
    rx.responder = (_request, response) =>
      void response.writeHead(statuses.shift() ?? 200, { location: '/elsewhere' }).end('x'.repeat(5000));
    harness = await DeliveryHarness.start([
      { name: 'a', url: rx.url, schedule: ['20ms', '20ms', '20ms'], jitter: 0, concurrency: 1 },
    ]);
    const one = await harness.enqueue('a');
    await waitFor(async () => (await history(harness!).list('a')).attempts.length === 3);
    const two = await harness.enqueue('a');
    await waitFor(async () => (await history(harness!).list('a')).attempts.length === 4);
    const { attempts } = await history(harness).list('a');
    const ofOne = attempts.filter((a) => a.eventId === one.id).reverse();
    expect(ofOne.map((a) => [a.attempt, a.status, a.outcome])).toEqual([
      [1, 500, 'retry'],
      [2, 404, 'retry'],
      [3, 302, 'delivered'],
    ]);
    expect(attempts.find((a) => a.eventId === two.id)).toMatchObject({ attempt: 1, status: 201, outcome: 'delivered' });
    expect(ofOne[0].response).toHaveLength(4096);
    expect(ofOne[0].latencyMs).toBeGreaterThanOrEqual(0);
    expect(rx.requests.filter((r) => r.url === '/elsewhere')).toHaveLength(0);
  });

  it('retries a timeout and a refused connection', async () => {
    const rx = await receiver();
    let calls = 0;
    rx.responder = async (_request, response) => {
      calls += 1;
      if (calls === 1) await sleep(400);
      if (!response.destroyed) response.writeHead(200).end();
    };
    const closedPort = await freePort();
    harness = await DeliveryHarness.start([
      { name: 'slow', url: rx.url, timeout: '100ms', schedule: ['10ms'], jitter: 0 },
      { name: 'refused', url: `http://127.0.0.1:${closedPort}/x`, schedule: ['10ms'], jitter: 0 },
    ]);
    const slow = await harness.enqueue('slow');
    await harness.enqueue('refused');
    await waitFor(async () => (await history(harness!).list('slow', { status: 'delivered' })).attempts.length === 1);
    await waitFor(async () => (await history(harness!).list('refused', { status: 'gaveup' })).attempts.length === 1);
    const slowAttempts = (await history(harness).list('slow')).attempts.reverse();
    expect(slowAttempts[0]).toMatchObject({ eventId: slow.id, outcome: 'retry', error: 'timeout after 100 ms' });
    expect(slowAttempts[0].status).toBeUndefined();
    expect(slowAttempts[1]).toMatchObject({ outcome: 'delivered', status: 200 });
    const refused = (await history(harness).list('refused')).attempts.reverse();
    expect(refused.map((a) => a.outcome)).toEqual(['retry', 'gaveup']);
    expect(refused[0].error).toMatch(/ECONNREFUSED/);
    expect(harness.alerts.kinds()).toContain('deadLettered');
  });

  it('a server that resets the connection is retried', async () => {
    const port = await freePort();
    let accepted = 0;
    const server = createServer((socket) => {
      accepted += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    try {
      harness = await DeliveryHarness.start([
        { name: 'a', url: `http://127.0.0.1:${port}/`, schedule: ['10ms', '10ms'], jitter: 0 },
      ]);
      await harness.enqueue('a', makeEvent());
      await waitFor(async () => (await history(harness!).list('a', { status: 'gaveup' })).attempts.length === 1);
      expect(accepted).toBeGreaterThanOrEqual(3);
    } finally {
      server.close();
    }
  });
});
