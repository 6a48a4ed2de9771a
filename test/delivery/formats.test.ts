import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { HTTP, type CloudEvent } from 'cloudevents';
import { wireEvent } from '@app/events';
import { HttpReceiver, waitFor } from '@app/testing';
import { closeAfterEach, DeliveryHarness, makeEvent } from './delivery-harness.js';

let harness: DeliveryHarness | undefined;
let rx: HttpReceiver | undefined;

closeAfterEach(() => [harness, rx]);

const secret = (seed: string) => `whsec_${Buffer.from(seed.padEnd(32, '.')).toString('base64')}`;

describe('Standard Webhooks signatures', () => {
  it('verify with the standardwebhooks package for every secret, re-signed at each attempt with a stable id', async () => {
    rx = await HttpReceiver.start();
    let calls = 0;
    rx.responder = (_request, response) => void response.writeHead(++calls === 1 ? 500 : 200).end();
    const [current, next] = [secret('current'), secret('next')];
    harness = await DeliveryHarness.start([
      { name: 'a', url: rx.url, secret: [current, next], schedule: ['1100ms'], jitter: 0 },
    ]);
    const event = await harness.enqueue('a');
    await waitFor(() => rx!.requests.length === 2, { timeout: 5_000 });
    for (const request of rx.requests) {
      const headers = request.headers as Record<string, string>;
      expect(headers['webhook-id']).toBe(event.id);
      expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
      expect(new Webhook(current).verify(request.body, headers)).toEqual(JSON.parse(request.body));
      expect(new Webhook(next).verify(request.body, headers)).toEqual(JSON.parse(request.body));
      expect(() => new Webhook(secret('other')).verify(request.body, headers)).toThrow();
    }
    const [first, second] = rx.requests.map((request) => request.headers);
    expect(Number(second['webhook-timestamp'])).toBeGreaterThan(Number(first['webhook-timestamp']));
    expect(second['webhook-signature']).not.toBe(first['webhook-signature']);
  });

  it('sends no signature headers without a secret', async () => {
    rx = await HttpReceiver.start();
    harness = await DeliveryHarness.start([{ name: 'a', url: rx.url }]);
    await harness.enqueue('a');
    await waitFor(() => rx!.requests.length === 1);
    expect(rx.requests[0].headers['webhook-signature']).toBeUndefined();
  });
});

describe('CloudEvents', () => {
  it('sends CloudEvents 1.0 in structured mode that the cloudevents SDK parses', async () => {
    rx = await HttpReceiver.start();
    harness = await DeliveryHarness.start([{ name: 'a', url: rx.url, format: 'cloudevents', secret: secret('ce') }]);
    const event = await harness.enqueue('a', makeEvent({ action: 'push', repository: 'team/app', tag: 'v1' }));
    await waitFor(() => rx!.requests.length === 1);
    const [request] = rx.requests;
    expect(request.headers['content-type']).toMatch(/^application\/cloudevents\+json/);
    const parsed = HTTP.toEvent({
      headers: request.headers as Record<string, string>,
      body: request.body,
    }) as CloudEvent<unknown>;
    expect(parsed.specversion).toBe('1.0');
    expect(parsed.id).toBe(event.id);
    expect(parsed.type).toBe('io.cncf.distribution.push');
    expect(parsed.source).toBe('//registry.test:5000/team/app');
    expect(parsed.subject).toBe('v1');
    expect(parsed.data).toEqual(JSON.parse(JSON.stringify(wireEvent(event))));
    expect(new Webhook(secret('ce')).verify(request.body, request.headers as Record<string, string>)).toBeTruthy();
  });

  it('sends a batch in batched mode', async () => {
    rx = await HttpReceiver.start();
    harness = await DeliveryHarness.start([
      { name: 'a', url: rx.url, format: 'cloudevents', batch: { size: 5, wait: '300ms' }, concurrency: 1 },
    ]);
    await harness.pipeline.close();
    const events = [await harness.enqueue('a'), await harness.enqueue('a'), await harness.enqueue('a')];
    await harness.restartPipeline();
    await waitFor(() => rx!.requests.length >= 1);
    const parsed = HTTP.toEvent({
      headers: rx.requests[0].headers as Record<string, string>,
      body: rx.requests[0].body,
    }) as CloudEvent<unknown>[];
    expect(parsed.map((item) => item.id)).toEqual(events.map((item) => item.id));
  });
});
