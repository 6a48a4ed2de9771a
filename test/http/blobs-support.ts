import { connect } from 'node:net';
import type { Server } from 'node:http';
import { createHash } from 'node:crypto';
import { fromObject } from '@app/config';
import { createLogger } from '@app/logging';
import { freePort, tempDir } from '@app/testing';
import { createRegistryApp } from '../../apps/registry/src/registry-app.js';
import { mergeConfig, type PlainConfig } from '../support/apps.js';

export interface LogLine {
  /** The level's name, as the logger writes it (`error`, `warn`, ...). */
  level: string;
  msg: string;
  [key: string]: unknown;
}

/** A registry app in this process, built by main.ts's createRegistryApp, on a free loopback port. */
export interface TestRegistry {
  url: string;
  /** Every log line written, parsed (see `errorLogs`). */
  logs: LogLine[];
  server: Server;
  close(): Promise<void>;
}

/**
 * Starts the registry app with `config` merged over: filesystem storage in `root` (a new temp dir when
 * absent; `storage: { inmemory: {} }` replaces it), delete enabled, debug logs captured in memory.
 */
export async function startTestRegistry(options: { config?: PlainConfig; root?: string } = {}): Promise<TestRegistry> {
  const dir = options.root ? undefined : tempDir('blobs-test-');
  const addr = `127.0.0.1:${await freePort()}`;
  const custom = options.config?.storage as PlainConfig | undefined;
  const storage = custom && 'inmemory' in custom ? {} : { filesystem: { rootdirectory: options.root ?? dir!.path } };
  const raw = mergeConfig(
    {
      version: '0.1',
      log: { level: 'debug', formatter: 'json', accesslog: { disabled: false } },
      storage: { ...storage, delete: { enabled: true } },
      http: { addr, secret: 'test-secret' },
    },
    options.config,
  );
  const config = fromObject(raw);
  const logs: LogLine[] = [];
  const logger = createLogger({
    config: config.log,
    bindings: { app: 'registry' },
    destination: { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) },
  });
  const { app, listener } = await createRegistryApp(config, logger);
  await listener.listen();
  return {
    url: `http://${addr}`,
    logs,
    server: listener.server,
    async close() {
      listener.server.closeAllConnections();
      await app.close();
      dir?.remove();
    },
  };
}

/** The lines logged at error level or above (a 500 is logged at error). */
export function errorLogs(registry: Pick<TestRegistry, 'logs'>): LogLine[] {
  return registry.logs.filter((line) => line.level === 'error' || line.level === 'fatal');
}

export function digest(bytes: Buffer | string, algorithm: 'sha256' | 'sha512' = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

/** `size` pseudo-random bytes, different for each seed. */
export function randomBytes(size: number, seed = 1): Buffer {
  const out = Buffer.alloc(size);
  let x = seed * 2654435761;
  for (let i = 0; i < size; i += 1) {
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** Sends a raw HTTP request over a socket and returns what came back (status line and headers) or '' on close. */
export function rawRequest(url: string, text: string | Buffer): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(text));
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    socket.on('end', () => resolve(received));
    socket.on('error', reject);
  });
}

/** Starts a PATCH (or PUT) with `Content-Length: declared`, sends `part`, then destroys the socket. */
export function abortedPatch(
  url: string,
  path: string,
  declared: number,
  part: Buffer,
  method = 'PATCH',
): Promise<void> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(
        `${method} ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${declared}\r\n\r\n`,
      );
      socket.write(part, () =>
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 100),
      );
    });
    socket.on('error', reject);
  });
}

/** The upload path (without origin) of a Location header. */
export function pathOf(location: string | null): string {
  if (!location) throw new Error('no Location header');
  return new URL(location, 'http://registry.invalid').pathname + new URL(location, 'http://registry.invalid').search;
}

/** The code of the first error in a registry error body. */
export async function errorCode(response: Response): Promise<string> {
  const body = (await response.json()) as { errors: { code: string }[] };
  return body.errors[0].code;
}
