import type { EventRequest } from '@app/events';

/**
 * What the repository services know of the HTTP request that called them: enough to build an event's
 * `request`, `actor` and digest URL, and nothing of HTTP itself. It is exactly the events lib's
 * EventRequest (one definition, so the two cannot drift): id shared by every event of the request, client
 * addr as host:port, host asked for (X-Forwarded-Host honoured), method, user agent, baseUrl (http.host,
 * else from the request, X-Forwarded-Proto honoured) and the authenticated actor.
 */
export type RequestContext = EventRequest;
