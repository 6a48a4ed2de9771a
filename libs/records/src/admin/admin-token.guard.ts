import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Injectable, NotFoundException, UnauthorizedException, type CanActivate } from '@nestjs/common';
import type { ExecutionContext } from '@nestjs/common';
import { RegistryConfig } from '@app/config';

/**
 * The admin API's check: `Authorization: Bearer <http.debug.token>`, compared in constant time (401
 * otherwise). Fails closed: with no token configured the admin API is off (404), whatever the request says.
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly tokenDigest?: Buffer;

  constructor(config: RegistryConfig) {
    const token = config.http.debug?.token;
    this.tokenDigest = token ? digest(token) : undefined;
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.tokenDigest) throw new NotFoundException('admin API disabled: set http.debug.token');
    const header = context.switchToHttp().getRequest<IncomingMessage>().headers.authorization ?? '';
    const token = /^Bearer (.+)$/i.exec(header)?.[1];
    if (token && timingSafeEqual(digest(token), this.tokenDigest)) return true;
    throw new UnauthorizedException('unauthorized: Authorization: Bearer <http.debug.token> required');
  }
}

/** Comparing fixed-length digests keeps the comparison constant-time whatever the token lengths. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
