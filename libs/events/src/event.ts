/**
 * The notification event exactly as distribution serialises it (notifications/event.go). Field order here
 * is the wire order; empty optional fields are omitted, except `actor`, which is always present ({}).
 */
export type EventAction = 'push' | 'pull' | 'mount' | 'delete';

export const EVENTS_MEDIA_TYPE_V1 = 'application/vnd.docker.distribution.events.v1+json';
export const EVENTS_MEDIA_TYPE_V2 = 'application/vnd.docker.distribution.events.v2+json';
export const LAYER_MEDIA_TYPE = 'application/octet-stream';

export interface Descriptor {
  mediaType: string;
  size: number;
  digest: string;
  urls?: string[];
  annotations?: Record<string, string>;
  artifactType?: string;
}

export interface EventTarget {
  mediaType?: string;
  size?: number;
  digest?: string;
  /** Same as size; distribution keeps it for old receivers. */
  length?: number;
  repository: string;
  fromRepository?: string;
  /** Always the digest URL of the manifest or blob. */
  url?: string;
  tag?: string;
  references?: Descriptor[];
  /** Ours: the upstream (`proxy` remote URL) a pull-through cache served this pull for; absent otherwise. */
  upstream?: string;
}

export interface RequestRecord {
  id: string;
  addr: string;
  host: string;
  method: string;
  useragent: string;
}

export interface ActorRecord {
  name?: string;
}

export interface SourceRecord {
  addr: string;
  instanceID: string;
}

export interface Event {
  id: string;
  /** RFC 3339, UTC, nanosecond precision. */
  timestamp: string;
  action: EventAction;
  target: EventTarget;
  request: RequestRecord;
  actor: ActorRecord;
  source: SourceRecord;
}

export interface Envelope {
  events: Event[];
}
