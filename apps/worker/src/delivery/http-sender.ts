import { Pool } from 'undici';
import type { NetworkConfig } from '@app/config';
import { guardedConnector, type Resolver } from './guarded-connector.js';
import { NetworkGuard, type EndpointOrigin } from './network-guard.js';
import type { AttemptResult } from './retry-policy.js';

/** Bytes of a response body kept in the attempt history. */
export const RESPONSE_KEPT_BYTES = 4096;
/** Bytes read (and dropped) past that so the connection can be reused; a longer body closes it. */
const RESPONSE_DRAINED_BYTES = 64 * 1024;

export interface HttpSenderOptions {
  url: string;
  /** The endpoint's configured headers (distribution's `headers`: name → values). */
  headers: Record<string, string[]>;
  /** Whole-attempt timeout in ms (connect, headers and body). */
  timeout: number;
  /** Connections kept to the endpoint, and requests in flight at most (its concurrency). */
  connections: number;
  /** `notifications.network`: the addresses the sender may connect to. */
  network: Pick<NetworkConfig, 'allow' | 'deny'>;
  /** Where the endpoint came from: the config file (loopback and private allowed) or the API (denied). */
  origin: EndpointOrigin;
  /** How host names are resolved (the system's lookup by default). */
  resolve?: Resolver;
}

/**
 * At most `limit` holders at once; the others wait in call order. The sender takes one per request so that
 * its timeout counts from the moment the request can go out, not from a place in the pool's queue (a job of
 * many events hands the sender all its envelopes at once).
 */
class Permits {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(limit: number) {
    this.free = limit;
  }

  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

/**
 * Makes exactly one HTTP attempt per call (distribution's httpSink: "single attempt; wrap it"): a POST
 * on a keep-alive connection pool of the endpoint's own, no redirect followed (the status is returned as
 * is), the response body read up to a cap. Every connection passes the network guard (guarded-connector.ts):
 * a refused one fails the attempt with the reason as its `error`. Never throws: failures come back as `error`.
 */
export class HttpSender {
  private readonly pool: Pool;
  private readonly path: string;
  private readonly headers: Record<string, string | string[]>;
  private readonly permits: Permits;

  constructor(private readonly options: HttpSenderOptions) {
    this.permits = new Permits(options.connections);
    const url = new URL(options.url);
    this.path = `${url.pathname}${url.search}`;
    this.pool = new Pool(url.origin, {
      connections: options.connections,
      keepAliveTimeout: 30_000,
      connect: guardedConnector({
        guard: new NetworkGuard(options.network),
        origin: options.origin,
        timeout: options.timeout,
        resolve: options.resolve,
      }),
    });
    this.headers = { ...options.headers, 'user-agent': 'registry-events-worker' };
  }

  async send(body: string, headers: Record<string, string>): Promise<AttemptResult> {
    await this.permits.acquire();
    try {
      return await this.attempt(body, headers);
    } finally {
      this.permits.release();
    }
  }

  private async attempt(body: string, headers: Record<string, string>): Promise<AttemptResult> {
    const started = performance.now();
    // One timer for the whole attempt (AbortSignal.timeout costs about 20 times as much per request).
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.options.timeout);
    const signal = deadline.signal;
    try {
      const response = await this.pool.request({
        path: this.path,
        method: 'POST',
        headers: { ...this.headers, ...headers, 'content-length': String(Buffer.byteLength(body)) },
        body,
        signal,
        headersTimeout: this.options.timeout,
        bodyTimeout: this.options.timeout,
      });
      const text = await readCapped(response.body);
      const retryAfter = response.headers['retry-after'];
      return {
        status: response.statusCode,
        retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
        body: text,
        latencyMs: performance.now() - started,
      };
    } catch (error) {
      return {
        error: describeError(error, signal.aborted, this.options.timeout),
        latencyMs: performance.now() - started,
      };
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await this.pool.close().catch(() => this.pool.destroy());
  }
}

async function readCapped(body: AsyncIterable<Buffer> & { destroy(): void }): Promise<string> {
  const kept: Buffer[] = [];
  let keptBytes = 0;
  let total = 0;
  for await (const chunk of body) {
    total += chunk.length;
    if (keptBytes < RESPONSE_KEPT_BYTES) {
      const part = chunk.subarray(0, RESPONSE_KEPT_BYTES - keptBytes);
      kept.push(part);
      keptBytes += part.length;
    }
    if (total > RESPONSE_DRAINED_BYTES) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(kept).toString('utf8');
}

function describeError(error: unknown, timedOut: boolean, timeout: number): string {
  if (timedOut) return `timeout after ${timeout} ms`;
  const err = error as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = err.code ?? err.cause?.code;
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT')
    return `timeout after ${timeout} ms`;
  const message = err.message ?? String(error);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}
