import type { IncomingHttpHeaders } from 'node:http';
import type { Access } from './access.js';

/** Who was let in. */
export interface Grant {
  /** Authenticated user name (events' actor.name); undefined for an anonymous grant. */
  user?: string;
}

/**
 * The access-control port (distribution's auth.AccessController). `authorize` resolves with the grant or
 * rejects with a RegistryError (UNAUTHORIZED with its WWW-Authenticate challenge, or DENIED); it never
 * lets a request through on an internal failure.
 */
export abstract class AccessController {
  /** The scheme name, for logs. */
  abstract readonly scheme: string;
  abstract authorize(headers: IncomingHttpHeaders, access: readonly Access[]): Promise<Grant>;
  /** Problems worth a warning at start (that do not stop it). */
  warnings(): string[] {
    return [];
  }
}

/** The credentials of an `Authorization: Basic` header, or undefined. */
export function basicCredentials(headers: IncomingHttpHeaders): { username: string; password: string } | undefined {
  const header = headers.authorization;
  const match = header ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null;
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The token of an `Authorization: Bearer` header, or undefined. */
export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const header = headers.authorization;
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}

/** A quoted-string parameter of a challenge (backslash-escapes quotes). */
export function quoted(value: string): string {
  return `"${value.replace(/["\\]/g, (char) => `\\${char}`)}"`;
}
