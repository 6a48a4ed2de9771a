import { marshalIndent, type GoJsonValue } from './go-json.js';
import { EVENTS_MEDIA_TYPE_V1, EVENTS_MEDIA_TYPE_V2, type Descriptor, type Event, type EventTarget } from './event.js';

/** Envelope media type version: v1 as distribution 2.x sends, v2 as distribution 3 sends. */
export type EnvelopeVersion = 'v1' | 'v2';

export function envelopeMediaType(version: EnvelopeVersion = 'v1'): string {
  return version === 'v2' ? EVENTS_MEDIA_TYPE_V2 : EVENTS_MEDIA_TYPE_V1;
}

/**
 * The POST body distribution sends: `{"events":[...]}` indented with three spaces, no trailing newline,
 * fields in distribution's order, empty optional fields omitted (Go's `omitempty`: empty strings, zero
 * sizes, empty lists), `request.id/method/useragent` always present, `actor` always present ({} without a user).
 */
export function serializeEnvelope(events: readonly Event[]): string {
  return marshalIndent({ events: events.map(wireEvent) }, '   ');
}

/** One event as a plain object in wire order with empty fields dropped (also what the event log stores). */
export function wireEvent(event: Event): { [key: string]: GoJsonValue } {
  return omitEmpty({
    id: event.id,
    timestamp: event.timestamp,
    action: event.action,
    target: wireTarget(event.target),
    request: {
      id: event.request.id ?? '',
      ...omitEmpty({ addr: event.request.addr, host: event.request.host }),
      method: event.request.method ?? '',
      useragent: event.request.useragent ?? '',
    },
    actor: omitEmpty({ name: event.actor?.name }),
    source: omitEmpty({ addr: event.source?.addr, instanceID: event.source?.instanceID }),
  }, ['target', 'actor', 'source', 'request']);
}

function wireTarget(target: EventTarget): { [key: string]: GoJsonValue } {
  return omitEmpty({
    ...wireDescriptor(target),
    length: target.length,
    repository: target.repository,
    fromRepository: target.fromRepository,
    url: target.url,
    tag: target.tag,
    references: target.references?.map(wireDescriptor),
  });
}

function wireDescriptor(descriptor: Partial<Descriptor>): { [key: string]: GoJsonValue } {
  return omitEmpty({
    mediaType: descriptor.mediaType,
    size: descriptor.size,
    digest: descriptor.digest,
    urls: descriptor.urls,
    annotations: descriptor.annotations,
    artifactType: descriptor.artifactType,
  });
}

type Loose = { [key: string]: GoJsonValue | undefined | Record<string, string> | GoJsonValue[] };

/** Go's omitempty for the kinds an event holds; `keep` lists struct-valued keys Go never omits. */
function omitEmpty(object: Loose, keep: string[] = []): { [key: string]: GoJsonValue } {
  const result: { [key: string]: GoJsonValue } = {};
  for (const [key, value] of Object.entries(object)) {
    if (keep.includes(key) || !isEmpty(value)) result[key] = value as GoJsonValue;
  }
  return result;
}

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === '' || value === 0 || value === false) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.keys(value).length === 0;
  return false;
}
