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
export function wireEvent(event: Event): WireObject {
  const wire: WireObject = {};
  put(wire, 'id', event.id);
  put(wire, 'timestamp', event.timestamp);
  put(wire, 'action', event.action);
  wire.target = wireTarget(event.target);
  const request: WireObject = { id: event.request.id ?? '' };
  put(request, 'addr', event.request.addr);
  put(request, 'host', event.request.host);
  request.method = event.request.method ?? '';
  request.useragent = event.request.useragent ?? '';
  wire.request = request;
  const actor: WireObject = {};
  put(actor, 'name', event.actor?.name);
  wire.actor = actor;
  const source: WireObject = {};
  put(source, 'addr', event.source?.addr);
  put(source, 'instanceID', event.source?.instanceID);
  wire.source = source;
  return wire;
}

type WireObject = { [key: string]: GoJsonValue };

function wireTarget(target: EventTarget): WireObject {
  const wire = wireDescriptor(target);
  put(wire, 'length', target.length);
  put(wire, 'repository', target.repository);
  put(wire, 'fromRepository', target.fromRepository);
  put(wire, 'url', target.url);
  put(wire, 'tag', target.tag);
  put(wire, 'references', target.references?.map(wireDescriptor));
  put(wire, 'upstream', target.upstream);
  return wire;
}

function wireDescriptor(descriptor: Partial<Descriptor>): WireObject {
  const wire: WireObject = {};
  put(wire, 'mediaType', descriptor.mediaType);
  put(wire, 'size', descriptor.size);
  put(wire, 'digest', descriptor.digest);
  put(wire, 'urls', descriptor.urls);
  put(wire, 'annotations', sortedKeys(descriptor.annotations));
  put(wire, 'artifactType', descriptor.artifactType);
  return wire;
}

/** Go's encoding/json writes a map's keys in sorted order. */
function sortedKeys(map: Record<string, string> | undefined): Record<string, string> | undefined {
  return (
    map &&
    Object.fromEntries(
      Object.keys(map)
        .sort()
        .map((key) => [key, map[key]!]),
    )
  );
}

/** Sets `key` unless the value is empty in Go's `omitempty` sense (for the kinds an event holds). */
function put(wire: WireObject, key: string, value: GoJsonValue | Record<string, string> | undefined): void {
  if (!isEmpty(value)) wire[key] = value as GoJsonValue;
}

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === '' || value === 0 || value === false) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') {
    for (const _key in value) return false;
    return true;
  }
  return false;
}
