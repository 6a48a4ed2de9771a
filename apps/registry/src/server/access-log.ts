import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '@app/logging';
import { pathOf, routeName } from './route-name.js';

/** What the request carries for the layers after this middleware (the HTTP core reads `requestId`). */
export interface LoggedRequest extends Request {
  requestId?: string;
  actor?: string;
}

/** Observes each finished request (metrics); must not throw. */
export type RequestObserver = (sample: { method: string; route: string; status: number; seconds: number }) => void;

export interface AccessLogOptions {
  logger: Logger;
  /** `log.accesslog.disabled`: no "response completed" line (the request id is still assigned). */
  disabled: boolean;
  observers?: readonly RequestObserver[];
}

/**
 * The first middleware of every request: assigns the request id (events' request.id), and when the
 * response is done writes distribution's "response completed" line (request id, method, uri, remote
 * address, user agent, status, bytes, duration, authenticated user; the instance id comes with the
 * logger's bindings) and feeds the observers.
 */
export function accessLog({
  logger,
  disabled,
  observers = [],
}: AccessLogOptions): (req: Request, res: Response, next: NextFunction) => void {
  return (req: LoggedRequest, res, next) => {
    const started = process.hrtime.bigint();
    req.requestId ??= randomUUID();
    res.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const status = res.writableFinished ? res.statusCode : 499;
      const route = routeName(pathOf(req.originalUrl));
      for (const observe of observers) observe({ method: req.method, route, status, seconds });
      if (disabled) return;
      logger.info(
        {
          'http.request.id': req.requestId,
          'http.request.method': req.method,
          'http.request.uri': req.originalUrl,
          'http.request.host': req.headers.host,
          'http.request.remoteaddr': remoteAddr(req),
          'http.request.useragent': req.headers['user-agent'],
          'http.response.status': status,
          'http.response.written': req.method === 'HEAD' ? 0 : Number(res.getHeader('content-length') ?? 0),
          'http.response.duration': `${(seconds * 1000).toFixed(3)}ms`,
          'auth.user.name': req.actor,
        },
        'response completed',
      );
    });
    next();
  };
}

/** distribution's RemoteAddr: the first X-Forwarded-For hop, else X-Real-Ip, else the peer ("unix" on a socket). */
function remoteAddr(req: Request): string {
  const forwarded = String(req.headers['x-forwarded-for'] ?? '')
    .split(',')[0]
    .trim();
  const real = String(req.headers['x-real-ip'] ?? '').trim();
  return forwarded || real || (req.socket.remoteAddress ?? 'unix');
}
