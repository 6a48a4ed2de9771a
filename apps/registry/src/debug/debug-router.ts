import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** What a debug route sees: path parameters, query and (POST) the parsed JSON body. */
export interface DebugRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
}

/** A JSON value, or raw text with its content type. */
export interface DebugResponse {
  status: number;
  body: unknown;
  contentType?: string;
}

export interface DebugRoute {
  method: 'GET' | 'POST';
  /** `/admin/endpoints/:name`: `:x` matches one path segment. */
  path: string;
  /** Behind `Authorization: Bearer <http.debug.token>`; off when no token is configured. */
  admin: boolean;
  handle(request: DebugRequest): Promise<DebugResponse> | DebugResponse;
}

/** Thrown by a route to answer a client error. */
export class DebugHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const MAX_BODY = 1024 * 1024;

/**
 * The debug listener's routes: a table of method + path pattern, the bearer check for admin routes
 * (constant time), JSON in and out. Small on purpose: a handful of routes do not need a framework.
 */
export class DebugRouter {
  private readonly routes: { route: DebugRoute; pattern: RegExp; names: string[] }[] = [];
  private readonly tokenDigest?: Buffer;

  constructor(token: string | undefined) {
    this.tokenDigest = token ? digest(token) : undefined;
  }

  add(route: DebugRoute): void {
    const names: string[] = [];
    const source = route.path.replace(/:(\w+)/g, (_match, name: string) => (names.push(name), '([^/]+)'));
    this.routes.push({ route, pattern: new RegExp(`^${source}/?$`), names });
  }

  async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://debug');
    const match = this.match(req.method ?? 'GET', url.pathname);
    if (!match) return send(res, { status: 404, body: { error: 'not found' } });
    if (match.route.admin) {
      const denied = this.authorize(req);
      if (denied) return send(res, denied);
    }
    try {
      const body = req.method === 'POST' ? await readJson(req) : undefined;
      send(res, await match.route.handle({ method: req.method ?? 'GET', path: url.pathname, params: match.params, query: url.searchParams, body }));
    } catch (error) {
      if (error instanceof DebugHttpError) return send(res, { status: error.status, body: { error: error.message } });
      throw error;
    }
  }

  private match(method: string, path: string): { route: DebugRoute; params: Record<string, string> } | undefined {
    for (const { route, pattern, names } of this.routes) {
      const found = route.method === method || (method === 'HEAD' && route.method === 'GET') ? pattern.exec(path) : null;
      if (!found) continue;
      const params = Object.fromEntries(names.map((name, index) => [name, decodeURIComponent(found[index + 1])]));
      return { route, params };
    }
    return undefined;
  }

  private authorize(req: IncomingMessage): DebugResponse | undefined {
    if (!this.tokenDigest) return { status: 404, body: { error: 'admin API disabled: set http.debug.token' } };
    const header = req.headers.authorization ?? '';
    const token = /^Bearer (.+)$/i.exec(header)?.[1];
    if (token && timingSafeEqual(digest(token), this.tokenDigest)) return undefined;
    return { status: 401, body: { error: 'unauthorized: Authorization: Bearer <http.debug.token> required' } };
  }
}

/** Comparing fixed-length digests keeps the comparison constant-time whatever the token lengths. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new DebugHttpError(413, 'body too large');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (!text) return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new DebugHttpError(400, 'body is not valid JSON');
  }
}

function send(res: ServerResponse, response: DebugResponse): void {
  const text = typeof response.body === 'string' ? response.body : JSON.stringify(response.body, null, 2);
  res.writeHead(response.status, {
    'content-type': response.contentType ?? 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...(response.status === 401 ? { 'www-authenticate': 'Bearer realm="registry-debug"' } : {}),
  });
  res.end(text);
}
