import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { AppLogger } from '@app/logging';
import { RegistryError } from '../errors/index.js';
import { mountAccess, requiredAccess, type Access } from './access.js';
import { AccessController } from './access-controller.js';

/** What the auth middleware leaves on the request (read by RequestContext and the access log). */
export interface AuthorizedRequest extends Request {
  actor?: string;
}

/**
 * Checks every request against the configured AccessController before any controller runs. The needed
 * access comes from the raw path and method (not from routes), so a route added later is covered too; a
 * path the API does not serve is answered 404 here once the client is authenticated. On success the user
 * name goes to `req.actor`; otherwise the error (with its challenge) is written here and the request stops.
 */
@Injectable()
export class AuthMiddleware implements NestMiddleware {
  constructor(
    private readonly controller: AccessController,
    private readonly logger: AppLogger,
  ) {}

  async use(req: AuthorizedRequest, res: Response, next: NextFunction): Promise<void> {
    const queryAt = req.originalUrl.indexOf('?');
    const path = queryAt === -1 ? req.originalUrl : req.originalUrl.slice(0, queryAt);
    const needed = requiredAccess(req.method, path);
    const access: Access[] = needed ?? [];
    const mount = mountAccess(
      req.method,
      path,
      new URLSearchParams(queryAt === -1 ? '' : req.originalUrl.slice(queryAt + 1)),
    );
    if (mount) access.push(mount);
    let user: string | undefined;
    try {
      ({ user } = await this.controller.authorize(req.headers, access));
    } catch (error) {
      this.reject(req, res, withAccessDetail(error, access));
      return;
    }
    req.actor = user;
    // Fail closed: a path whose scope cannot be told is never handed to the router.
    if (!needed) return this.reject(req, res, new RegistryError('NAME_UNKNOWN', 'route not found', { path }));
    next();
  }

  private reject(req: Request, res: Response, error: unknown): void {
    let registryError: RegistryError;
    if (error instanceof RegistryError) {
      registryError = error;
      this.logger.debug(
        { method: req.method, path: req.originalUrl, code: error.code, reason: error.message },
        'access refused',
      );
    } else {
      this.logger.error({ err: error, method: req.method, path: req.originalUrl }, 'access check failed');
      registryError = new RegistryError('UNKNOWN', 'an internal error occurred');
    }
    for (const [name, value] of Object.entries(registryError.headers)) res.setHeader(name, value);
    const body = JSON.stringify(registryError.toBody());
    res
      .status(registryError.status)
      .type('application/json; charset=utf-8')
      .setHeader('Content-Length', Buffer.byteLength(body));
    res.end(req.method === 'HEAD' ? undefined : body);
  }
}

/**
 * distribution's 401 body: UNAUTHORIZED with the access records the request needed as `detail`
 * (`[{"Type":"repository","Class":"","Name":"app","Action":"pull"}]`; `null` for `/v2/`, which needs none).
 */
function withAccessDetail(error: unknown, access: readonly Access[]): unknown {
  if (!(error instanceof RegistryError) || error.code !== 'UNAUTHORIZED' || error.detail !== undefined) return error;
  const records = access.flatMap(({ resource, actions }) =>
    actions.map((action) => ({ Type: resource.type, Class: '', Name: resource.name, Action: action })),
  );
  return new RegistryError('UNAUTHORIZED', error.message, records.length > 0 ? records : null, error.headers);
}
