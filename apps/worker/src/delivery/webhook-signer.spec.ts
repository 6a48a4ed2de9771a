import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { batchWebhookId, WebhookSigner } from './webhook-signer.js';

const secret = `whsec_${Buffer.from('a'.repeat(32)).toString('base64')}`;

describe('WebhookSigner', () => {
  it('signs id.timestamp.body as Standard Webhooks verifies it', () => {
    const body = '{"events":[]}';
    const now = Math.floor(Date.now() / 1000);
    const headers = new WebhookSigner([secret]).headers('evt-1', body, now);
    expect(headers).toMatchObject({ 'webhook-id': 'evt-1', 'webhook-timestamp': String(now) });
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(body, headers)).toEqual({ events: [] });
    expect(() => new Webhook(secret).verify(`${body} `, headers)).toThrow();
  });

  it('accepts a bare base64 key and is off without secrets', () => {
    const bare = Buffer.from('a'.repeat(32)).toString('base64');
    const body = '{}';
    const headers = new WebhookSigner([bare]).headers('x', body);
    expect(new Webhook(secret).verify(body, headers)).toEqual({});
    expect(new WebhookSigner([]).enabled).toBe(false);
  });
});

describe('batchWebhookId', () => {
  it('is the event id for one event and a stable digest for a batch', () => {
    expect(batchWebhookId(['e1'])).toBe('e1');
    expect(batchWebhookId(['e1', 'e2'])).toBe(batchWebhookId(['e1', 'e2']));
    expect(batchWebhookId(['e1', 'e2'])).not.toBe(batchWebhookId(['e2', 'e1']));
    expect(batchWebhookId(['e1', 'e2'])).toMatch(/^batch_[0-9a-f]{32}$/);
  });
});
