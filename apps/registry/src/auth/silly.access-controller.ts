import type { IncomingHttpHeaders } from 'node:http';
import type { SillyConfig } from '@app/config';
import { RegistryError } from '../errors/index.js';
import { scopeOf, type Access } from './access.js';
import { AccessController, quoted, type Grant } from './access-controller.js';

/**
 * distribution's `auth.silly`, for development only: any Authorization header is accepted; without one
 * the client gets a Bearer challenge. Never use it in production (a warning says so at start).
 */
export class SillyAccessController extends AccessController {
  readonly scheme = 'silly';

  constructor(private readonly config: SillyConfig) {
    super();
  }

  async authorize(headers: IncomingHttpHeaders, access: readonly Access[]): Promise<Grant> {
    if (headers.authorization) return { user: 'silly' };
    const params = [`realm=${quoted(this.config.realm)}`, `service=${quoted(this.config.service)}`];
    if (access.length > 0) params.push(`scope=${quoted(access.map(scopeOf).join(' '))}`);
    throw new RegistryError('UNAUTHORIZED', 'authentication required', undefined, {
      'WWW-Authenticate': `Bearer ${params.join(',')}`,
    });
  }
}
