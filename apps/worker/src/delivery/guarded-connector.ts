import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import { buildConnector } from 'undici';
import type { EndpointOrigin, NetworkGuard } from './network-guard.js';

/** Resolves a host name to its addresses (dns.lookup by default: /etc/hosts, then DNS). Tests pass their own. */
export type Resolver = (hostname: string) => Promise<readonly { address: string; family: number }[]>;

export const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true });

/** An attempt the network guard refused; its message is the reason recorded in the attempt history. */
export class NetworkRefusedError extends Error {
  override name = 'NetworkRefusedError';
}

export interface GuardedConnectorOptions {
  guard: NetworkGuard;
  origin: EndpointOrigin;
  /** Connect timeout in ms. */
  timeout: number;
  resolve?: Resolver;
}

/**
 * undici's connector with the network guard on every connection it opens (so on every attempt that does not
 * reuse a connection already checked): an IP literal is checked before connecting; a host name is resolved
 * here, its denied addresses dropped before any connects (none left: refused), and the address the socket
 * ends up connected to is checked again before a byte is sent. A name that resolves elsewhere later (DNS
 * rebinding) is caught on the connection that would reach it.
 */
export function guardedConnector(options: GuardedConnectorOptions): buildConnector.connector {
  const { guard, origin, timeout, resolve = systemResolver } = options;
  const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
    resolve(hostname).then(
      (found) => {
        const family = lookupOptions.family === 4 || lookupOptions.family === 6 ? lookupOptions.family : 0;
        const candidates = found.filter((one) => !family || one.family === family);
        const allowed = candidates.filter((one) => !guard.refusal(hostname, one.address, origin));
        const first = allowed[0];
        if (!first) {
          const reason = candidates[0] ? guard.refusal(hostname, candidates[0].address, origin) : undefined;
          callback(new NetworkRefusedError(reason ?? `${hostname} resolved to no address`), '', 0);
        } else if (lookupOptions.all)
          callback(
            null,
            allowed.map(({ address, family }) => ({ address, family })),
          );
        else callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
  const connect = buildConnector({ timeout, lookup });
  return (target, callback) => {
    const hostname = target.hostname;
    if (isIP(hostname)) {
      const reason = guard.refusal(hostname, hostname, origin);
      if (reason) return callback(new NetworkRefusedError(reason), null);
    }
    connect(target, (error, socket) => {
      if (error || !socket) return callback(error ?? new Error('no socket'), null);
      const reason = guard.refusal(hostname, socket.remoteAddress ?? '', origin);
      if (!reason) return callback(null, socket);
      socket.destroy();
      callback(new NetworkRefusedError(reason), null);
    });
  };
}
