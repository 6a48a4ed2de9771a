import type { EndpointConfig } from '@app/config';
import { envelopeMediaType, serializeEnvelope, wireEvent, type Event } from '@app/events';

/** A request body and its content type. */
export interface EncodedBody {
  contentType: string;
  body: string;
}

export const CLOUDEVENTS_MEDIA_TYPE = 'application/cloudevents+json; charset=utf-8';
export const CLOUDEVENTS_BATCH_MEDIA_TYPE = 'application/cloudevents-batch+json; charset=utf-8';

/**
 * The POST body for some events, in the endpoint's format: distribution's envelope (v1 or v2 media type,
 * byte-compatible with distribution's), or CloudEvents 1.0 in structured mode (one event) / batched mode.
 */
export function encodeEvents(
  endpoint: Pick<EndpointConfig, 'format' | 'envelope'>,
  events: readonly Event[],
): EncodedBody {
  if (endpoint.format === 'cloudevents') {
    if (events.length === 1)
      return { contentType: CLOUDEVENTS_MEDIA_TYPE, body: JSON.stringify(toCloudEvent(events[0])) };
    return { contentType: CLOUDEVENTS_BATCH_MEDIA_TYPE, body: JSON.stringify(events.map(toCloudEvent)) };
  }
  return { contentType: envelopeMediaType(endpoint.envelope), body: serializeEnvelope(events) };
}

/**
 * One event as a CloudEvent: `type` is `io.cncf.distribution.<action>` (push, pull, mount, delete),
 * `source` the registry address and repository as a URI reference (`//<addr>/<repository>`), `subject`
 * the tag or else the digest, `id` the event id, `time` its timestamp, `data` the event as distribution
 * serialises it.
 */
export function toCloudEvent(event: Event): Record<string, unknown> {
  const subject = event.target.tag || event.target.digest;
  return {
    specversion: '1.0',
    id: event.id,
    type: `io.cncf.distribution.${event.action}`,
    source: `//${event.source?.addr || 'registry'}/${event.target.repository}`,
    ...(subject ? { subject } : {}),
    time: event.timestamp,
    datacontenttype: 'application/json',
    data: wireEvent(event),
  };
}
