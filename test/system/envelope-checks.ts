import { expect } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { EVENTS_MEDIA_TYPE_V1, type Envelope } from '@app/events';
import type { WebhookSink } from './webhook-sink.js';

/** A signing secret for the tests (`whsec_` + base64 of 24 bytes). */
export const TEST_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

const EVENT_KEYS = ['id', 'timestamp', 'action', 'target', 'request', 'actor', 'source'];

/**
 * Every request a sink took is distribution's envelope: a POST with the v1 media type, a body that is
 * exactly `{"events":[...]}` with complete events; the same event id always comes with the same bytes (a
 * retry resends the event unchanged). With a secret, the Standard Webhooks headers verify with the
 * `standardwebhooks` package, and `webhook-id` is the event id (stable across retries).
 */
export function expectDistributionEnvelopes(sink: WebhookSink, secret?: string): void {
  expect(sink.requests.length).toBeGreaterThan(0);
  const bodies = new Map<string, string>();
  const webhook = secret ? new Webhook(secret) : undefined;
  for (const request of sink.requests) {
    expect(request.method).toBe('POST');
    expect(request.headers['content-type']).toBe(EVENTS_MEDIA_TYPE_V1);
    const envelope = JSON.parse(request.body) as Envelope;
    expect(Object.keys(envelope)).toEqual(['events']);
    expect(envelope.events).toHaveLength(1);
    const [event] = envelope.events;
    expect(Object.keys(event)).toEqual(EVENT_KEYS);
    expect(event.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(event.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/);
    expect(event.source.instanceID).toBeTruthy();
    if (event.action !== 'delete')
      expect(event.target.url).toMatch(
        new RegExp(
          `^http://${event.request.host}/v2/${event.target.repository}/(manifests|blobs)/${event.target.digest}$`,
        ),
      );
    const earlier = bodies.get(event.id);
    if (earlier !== undefined) expect(request.body).toBe(earlier);
    bodies.set(event.id, request.body);
    if (webhook) {
      expect(request.headers['webhook-id']).toBe(event.id);
      expect(() => webhook.verify(request.body, request.headers as Record<string, string>)).not.toThrow();
    } else {
      expect(request.headers['webhook-signature']).toBeUndefined();
    }
  }
}
