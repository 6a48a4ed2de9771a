import type { Event } from '@app/events';
import type { AdminAction } from '@app/queue';

/** What an audit row is about: an event the registry emitted, or an operator's action on the admin API. */
export type AuditKind = 'event' | 'admin';

/** One row of the audit store. `id` is the key: the event id, or the admin action's own id. */
export interface AuditRow {
  id: string;
  /** ms since the epoch. */
  time: number;
  kind: AuditKind;
  /** `push`, `pull`, `mount`, `delete`; `admin.replay`, `admin.enable`, `admin.test`. */
  action: string;
  repository: string | null;
  digest: string | null;
  tag: string | null;
  media_type: string | null;
  size: number | null;
  /** `actor.name`; `''` for anonymous. */
  actor: string;
  /** The client's address as the registry saw it (`request.addr`). */
  addr: string | null;
  user_agent: string | null;
  request_id: string | null;
  /** `source.instanceID` of the registry process. */
  instance: string | null;
  /** `source.addr` of the registry process. */
  source: string | null;
  /** The endpoint an admin action was about. */
  endpoint: string | null;
  /** The event as distribution writes it, or the admin action's details, as JSON. */
  raw: string;
}

/** The row of an event (`raw` is the event as logged). */
export function eventRow(event: Event): AuditRow {
  const time = Date.parse(event.timestamp);
  const { target, request, source } = event;
  return {
    id: event.id,
    time: Number.isFinite(time) ? time : Date.now(),
    kind: 'event',
    action: event.action,
    repository: target?.repository ?? null,
    digest: target?.digest ?? null,
    tag: target?.tag ?? null,
    media_type: target?.mediaType ?? null,
    size: target?.size ?? null,
    actor: event.actor?.name ?? '',
    addr: request?.addr || null,
    user_agent: request?.useragent || null,
    request_id: request?.id || null,
    instance: source?.instanceID || null,
    source: source?.addr || null,
    endpoint: null,
    raw: JSON.stringify(event),
  };
}

export function adminRow(action: AdminAction): AuditRow {
  return {
    id: action.id,
    time: action.time,
    kind: 'admin',
    action: `admin.${action.action}`,
    repository: null,
    digest: null,
    tag: null,
    media_type: null,
    size: null,
    actor: action.actor,
    addr: action.addr || null,
    user_agent: action.useragent || null,
    request_id: null,
    instance: action.instance || null,
    source: action.source || null,
    endpoint: action.endpoint,
    raw: JSON.stringify({ action: action.action, endpoint: action.endpoint, ...action.details }),
  };
}
