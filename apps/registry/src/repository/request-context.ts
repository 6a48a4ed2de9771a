/**
 * What the repository services know of the HTTP request that called them: enough to build an event's
 * `request`, `actor` and digest URL, and nothing of HTTP itself.
 */
export interface RequestContext {
  /** One id per HTTP request, shared by every event that request produces. */
  readonly id: string;
  /** Client address as host:port. */
  readonly addr: string;
  /** Host the client asked for (X-Forwarded-Host honoured). */
  readonly host: string;
  readonly method: string;
  readonly useragent: string;
  /** scheme://host[:port] used for absolute URLs: http.host, else from the request (X-Forwarded-Proto honoured). */
  readonly baseUrl: string;
  /** Authenticated user name, if any. */
  readonly actor?: string;
}
