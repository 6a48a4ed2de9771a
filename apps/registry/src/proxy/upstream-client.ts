import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { Agent, request, type Dispatcher } from 'undici';
import { ConfigError } from '@app/config';
import type { Remote } from './proxy-remotes.js';
import { timeouts, UpstreamAuth } from './upstream-auth.js';
import { failureOf, UpstreamError } from './upstream-error.js';

const MAX_REDIRECTS = 5;
const API_PATH = /^\/v2\//;

export interface UpstreamResponse {
  status: number;
  headers: Dispatcher.ResponseData['headers'];
  body: Dispatcher.ResponseData['body'];
}

/**
 * HTTP to one upstream registry over its own keep-alive pool (system CAs, plus the remote's `cafile`):
 * authenticates as the upstream asks (UpstreamAuth), follows redirects (a blob on a CDN) without sending
 * our credentials to another origin, and turns every failure into an UpstreamError. A response it returns
 * is a 2xx whose body the caller must consume or dump.
 */
export class UpstreamClient {
  private readonly agent: Agent;
  private readonly auth: UpstreamAuth;

  constructor(readonly remote: Remote) {
    this.agent = new Agent({ ...timeouts(remote), connect: { ca: certificates(remote) } });
    this.auth = new UpstreamAuth(remote, this.agent);
  }

  /** A request for `path` (`/v2/<name>/...`) needing pull access to `repository` upstream. */
  async send(
    method: 'GET' | 'HEAD',
    path: string,
    repository: string,
    headers: Record<string, string> = {},
  ): Promise<UpstreamResponse> {
    const scope = `repository:${repository}:pull`;
    let authorization = await this.auth.authorization(scope);
    let answer = await this.follow(method, new URL(path, `${this.remote.url}/`), headers, authorization);
    if (answer.status === 401) {
      const retry = await this.auth.challenged(header(answer.headers, 'www-authenticate'), scope, authorization);
      if (retry) {
        await answer.body.dump();
        authorization = retry;
        answer = await this.follow(method, new URL(path, `${this.remote.url}/`), headers, authorization);
      }
    }
    if (answer.status >= 200 && answer.status < 300) return answer;
    await answer.body.dump().catch(() => undefined);
    const message = `${method} ${path} answered ${answer.status}`;
    throw new UpstreamError(failureOf(answer.status), message, answer.status, header(answer.headers, 'retry-after'));
  }

  close(): Promise<void> {
    return this.agent.close();
  }

  private async follow(
    method: 'GET' | 'HEAD',
    start: URL,
    headers: Record<string, string>,
    authorization: string | undefined,
  ): Promise<UpstreamResponse> {
    let url = start;
    for (let hop = 0; ; hop++) {
      // Our credentials go to the upstream's own API only, never to where it redirects (a CDN's signed URL).
      const own = url.origin === start.origin && API_PATH.test(url.pathname);
      const sent = own && authorization ? { ...headers, authorization } : headers;
      const answer = await this.once(method, url, sent);
      const location = header(answer.headers, 'location');
      if (answer.status < 300 || answer.status >= 400 || !location || hop === MAX_REDIRECTS) return answer;
      await answer.body.dump();
      url = new URL(location, url);
    }
  }

  private async once(method: 'GET' | 'HEAD', url: URL, headers: Record<string, string>): Promise<UpstreamResponse> {
    try {
      const { statusCode, headers: answered, body } = await request(url, { method, headers, dispatcher: this.agent });
      return { status: statusCode, headers: answered, body };
    } catch (error) {
      throw new UpstreamError('unavailable', `${method} ${url.origin}${url.pathname}: ${(error as Error).message}`);
    }
  }
}

/** The first value of a response header. */
export function header(headers: Dispatcher.ResponseData['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function certificates(remote: Remote): string[] | undefined {
  if (!remote.cafile) return undefined;
  try {
    return [...rootCertificates, readFileSync(remote.cafile, 'utf8')];
  } catch (error) {
    throw new ConfigError(`${remote.key}.cafile: cannot read ${remote.cafile}: ${(error as Error).message}`);
  }
}
