import { request, type Dispatcher } from 'undici';
import type { Remote } from './proxy-remotes.js';
import { UpstreamError } from './upstream-error.js';

interface Challenge {
  scheme: 'basic' | 'bearer';
  params: Record<string, string>;
}

interface CachedToken {
  value: string;
  /** ms since epoch after which it is not used. */
  expires: number;
}

/** Tokens are dropped this long before the upstream says they expire (clock skew, request time). */
const EXPIRY_MARGIN = 10_000;
/** The token spec's default lifetime when the token server gives none. */
const DEFAULT_EXPIRES_IN = 60;

/**
 * Credentials for one upstream, as docker's client finds them: the first request goes anonymous; the 401's
 * `WWW-Authenticate` says Basic (send the configured user) or Bearer (ask its realm for a token with
 * service and scope, with the user's Basic credentials when configured, and keep the token until it
 * expires). The scheme learnt is then used up front for every later request.
 */
export class UpstreamAuth {
  private challenge?: Challenge;
  private readonly tokens = new Map<string, CachedToken>();

  constructor(
    private readonly remote: Remote,
    private readonly dispatcher: Dispatcher,
    private readonly now: () => number = Date.now,
  ) {}

  /** The Authorization header for a request needing `scope`, when the upstream's scheme is known. */
  async authorization(scope: string): Promise<string | undefined> {
    if (!this.challenge) return undefined;
    if (this.challenge.scheme === 'basic') return this.basic();
    const cached = this.tokens.get(scope);
    if (cached && cached.expires > this.now()) return `Bearer ${cached.value}`;
    return this.fetchToken(this.challenge.params, scope);
  }

  /**
   * After a 401: learns the challenge and returns the header to retry with, or undefined when there is
   * nothing better to send than what was sent.
   */
  async challenged(header: string | undefined, scope: string, sent: string | undefined): Promise<string | undefined> {
    const challenge = header ? parseChallenge(header) : undefined;
    if (!challenge) return undefined;
    this.challenge = challenge;
    this.tokens.delete(scope);
    const next = await this.authorization(scope);
    return next === sent ? undefined : next;
  }

  private basic(): string | undefined {
    if (this.remote.username === undefined) return undefined;
    const pair = `${this.remote.username}:${this.remote.password ?? ''}`;
    return `Basic ${Buffer.from(pair).toString('base64')}`;
  }

  private async fetchToken(params: Record<string, string>, scope: string): Promise<string> {
    if (!params.realm) throw new UpstreamError('denied', 'Bearer challenge without a realm');
    const url = new URL(params.realm);
    if (params.service) url.searchParams.set('service', params.service);
    url.searchParams.set('scope', scope);
    const basic = this.basic();
    const headers: Record<string, string> = basic ? { authorization: basic } : {};
    let answer: Dispatcher.ResponseData;
    try {
      answer = await request(url, { headers, dispatcher: this.dispatcher, ...timeouts(this.remote) });
    } catch (error) {
      throw new UpstreamError('unavailable', `token endpoint ${url.origin}: ${(error as Error).message}`);
    }
    if (answer.statusCode !== 200) {
      await answer.body.dump();
      const failure = answer.statusCode === 401 || answer.statusCode === 403 ? 'denied' : 'unavailable';
      throw new UpstreamError(failure, `token endpoint answered ${answer.statusCode}`, answer.statusCode);
    }
    const body = (await answer.body.json()) as { token?: string; access_token?: string; expires_in?: number };
    const value = body.token ?? body.access_token;
    if (!value) throw new UpstreamError('denied', 'token endpoint gave no token');
    const lifetime = (body.expires_in ?? DEFAULT_EXPIRES_IN) * 1000;
    this.tokens.set(scope, { value, expires: this.now() + Math.max(0, lifetime - EXPIRY_MARGIN) });
    return `Bearer ${value}`;
  }
}

export function timeouts(remote: Remote): { headersTimeout: number; bodyTimeout: number } {
  return { headersTimeout: remote.timeout, bodyTimeout: remote.timeout };
}

/** `Bearer realm="…",service="…",scope="…"` or `Basic realm="…"`; the first challenge only. */
export function parseChallenge(header: string): Challenge | undefined {
  const match = /^\s*(basic|bearer)\b\s*(.*)$/i.exec(header);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  for (const part of match[2].matchAll(/([a-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/gi)) {
    params[part[1].toLowerCase()] = part[2] !== undefined ? part[2].replace(/\\(.)/g, '$1') : part[3];
  }
  return { scheme: match[1].toLowerCase() as Challenge['scheme'], params };
}
