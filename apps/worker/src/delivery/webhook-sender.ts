import type { EndpointConfig, NetworkConfig } from '@app/config';
import type { Event } from '@app/events';
import { encodeEvents } from './envelope-encoder.js';
import type { Resolver } from './guarded-connector.js';
import { HttpSender } from './http-sender.js';
import type { EndpointOrigin } from './network-guard.js';
import type { AttemptResult } from './retry-policy.js';
import { batchWebhookId, WebhookSigner } from './webhook-signer.js';

export interface WebhookSenderOptions {
  /** `notifications.network`. */
  network: Pick<NetworkConfig, 'allow' | 'deny'>;
  /** `config` (the default) for endpoints of the config file; `api` for those created at run time. */
  origin?: EndpointOrigin;
  resolve?: Resolver;
}

/**
 * One attempt of an envelope (distribution's httpSink): the events encoded in the endpoint's format,
 * signed when it has secrets, POSTed once. At most `concurrency` attempts are in flight.
 */
export class WebhookSender {
  private readonly http: HttpSender;
  private readonly signer: WebhookSigner;

  constructor(
    private readonly endpoint: EndpointConfig,
    { network, origin = 'config', resolve }: WebhookSenderOptions,
  ) {
    const { url, headers, timeout, concurrency } = endpoint;
    this.http = new HttpSender({ url, headers, timeout, connections: concurrency, network, origin, resolve });
    this.signer = new WebhookSigner(endpoint.secret);
  }

  send(events: readonly Event[]): Promise<AttemptResult> {
    const { contentType, body } = encodeEvents(this.endpoint, events);
    const id = batchWebhookId(events.map((event) => event.id));
    const signature = this.signer.enabled ? this.signer.headers(id, body) : {};
    return this.http.send(body, { 'content-type': contentType, ...signature });
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
