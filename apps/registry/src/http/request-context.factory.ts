import { randomUUID } from 'node:crypto';
import type { Request } from 'express';
import type { RequestContext } from '../repository/index.js';

/** What auth leaves on the request for the layers after it. */
export interface AuthenticatedRequest extends Request {
  /** Authenticated user name (set by the auth guard). */
  actor?: string;
  /** One id per request, set once. */
  requestId?: string;
}

/**
 * Builds the RequestContext the repository services receive. `baseUrl` is `http.host` when configured,
 * else the scheme and host the client used (X-Forwarded-Proto / X-Forwarded-Host honoured), as distribution
 * builds its URLs.
 */
export function requestContext(req: AuthenticatedRequest, configuredHost?: string): RequestContext {
  req.requestId ??= randomUUID();
  const forwardedHost = firstValue(req.headers['x-forwarded-host']);
  const host = forwardedHost ?? req.headers.host ?? '';
  const proto =
    firstValue(req.headers['x-forwarded-proto']) ??
    ((req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http');
  const port = req.socket.remotePort;
  const remote = req.socket.remoteAddress ?? '';
  return {
    id: req.requestId,
    addr:
      remote.includes(':') && !remote.startsWith('::ffff:')
        ? `[${remote}]:${port}`
        : `${remote.replace(/^::ffff:/, '')}:${port}`,
    host,
    method: req.method,
    useragent: req.headers['user-agent'] ?? '',
    baseUrl: configuredHost ? configuredHost.replace(/\/+$/, '') : `${proto}://${host}`,
    actor: req.actor,
  };
}

function firstValue(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  return value?.split(',')[0]?.trim() || undefined;
}
