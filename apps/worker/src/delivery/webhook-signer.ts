import { createHash, createHmac } from 'node:crypto';

/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): `webhook-signature` holds one
 * `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` per secret, space-separated, so that a receiver keeps
 * verifying while secrets rotate. Secrets are `whsec_<base64 key>` (a bare base64 key is accepted too).
 */
export class WebhookSigner {
  private readonly keys: Buffer[];

  constructor(secrets: readonly string[]) {
    this.keys = secrets.map((secret) => Buffer.from(secret.replace(/^whsec_/, ''), 'base64'));
  }

  get enabled(): boolean {
    return this.keys.length > 0;
  }

  /** Headers for one attempt; `timestamp` in seconds since the epoch (a new one at each attempt). */
  headers(id: string, body: string, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
    const content = `${id}.${timestamp}.${body}`;
    const signatures = this.keys.map((key) => `v1,${createHmac('sha256', key).update(content).digest('base64')}`);
    return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signatures.join(' ') };
  }
}

/** `webhook-id` of a batch: derived from its event ids, so the same batch retried keeps its id. */
export function batchWebhookId(eventIds: readonly string[]): string {
  if (eventIds.length === 1) return eventIds[0];
  return `batch_${createHash('sha256').update(eventIds.join('\n')).digest('hex').slice(0, 32)}`;
}
