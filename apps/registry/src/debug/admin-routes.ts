import type { DeadLetterSelector } from '@app/records';
import { DebugHttpError, type DebugRequest, type DebugResponse, type DebugRoute } from './debug-router.js';
import type { DeliveryAdmin } from './delivery-admin.js';
import { queryEventLog } from '@app/records';

/**
 * The admin API (bearer token): endpoints with state and counters, attempts, dead letters and replay,
 * a test event, enabling an endpoint disabled by 410, and the event log. Times in queries and bodies
 * are ISO 8601 or ms since the epoch.
 */
export function adminRoutes(admin: DeliveryAdmin): DebugRoute[] {
  const get = (path: string, handle: (request: DebugRequest) => Promise<DebugResponse>): DebugRoute => ({ method: 'GET', path, admin: true, handle: guarded(handle) });
  const post = (path: string, handle: (request: DebugRequest) => Promise<DebugResponse>): DebugRoute => ({ method: 'POST', path, admin: true, handle: guarded(handle) });
  const named = (request: DebugRequest) => {
    const endpoint = admin.endpoint(request.params.name);
    if (!endpoint) throw new DebugHttpError(404, `no endpoint named ${request.params.name}`);
    return endpoint;
  };
  return [
    get('/admin/endpoints', async () => ok({ endpoints: await Promise.all(admin.endpoints.map((endpoint) => admin.overview(endpoint))) })),
    get('/admin/endpoints/:name', async (request) => ok(await admin.overview(named(request)))),
    get('/admin/endpoints/:name/attempts', async (request) => {
      const { query } = request;
      const page = { status: query.get('status') ?? undefined, eventId: query.get('event') ?? undefined, limit: integer(query, 'limit'), before: query.get('before') ?? undefined };
      return ok(await admin.attempts(named(request).name, page));
    }),
    get('/admin/endpoints/:name/deadletters', async (request) => {
      const selector = { from: time(request.query.get('from'), 'from'), to: time(request.query.get('to'), 'to'), limit: integer(request.query, 'limit') };
      return ok({ entries: await admin.deadLetterList(named(request).name, selector) });
    }),
    post('/admin/endpoints/:name/replay', async (request) => ok({ replayed: await admin.replay(named(request).name, replaySelector(request.body)) })),
    post('/admin/endpoints/:name/test', async (request) => {
      const event = await admin.sendTestEvent(named(request).name, 'admin');
      return { status: 202, body: { id: event.id, event } };
    }),
    post('/admin/endpoints/:name/enable', async (request) => {
      const endpoint = named(request);
      await admin.enable(endpoint.name);
      return ok(await admin.overview(endpoint));
    }),
    get('/admin/events', async ({ query }) => {
      const actor = query.get('actor');
      const filters = { action: query.get('action') ?? undefined, repository: query.get('repository') ?? undefined, actor: actor ?? undefined };
      const page = { from: time(query.get('from'), 'from'), to: time(query.get('to'), 'to'), limit: integer(query, 'limit'), cursor: query.get('cursor') ?? undefined };
      return ok(await queryEventLog(admin.redis, admin.prefix, { ...filters, ...page }));
    }),
  ];
}

/** A replay body: `{"id"}`, `{"ids": [...]}`, `{"all": true}` or `{"from", "to"}`. */
export function replaySelector(body: unknown): DeadLetterSelector {
  const input = (body ?? {}) as { id?: unknown; ids?: unknown; all?: unknown; from?: unknown; to?: unknown };
  if (typeof input.id === 'string') return { ids: [input.id] };
  if (Array.isArray(input.ids) && input.ids.every((id) => typeof id === 'string')) return { ids: input.ids as string[] };
  if (input.all === true) return {};
  const from = time(input.from, 'from');
  const to = time(input.to, 'to');
  if (from !== undefined || to !== undefined) return { from, to };
  throw new DebugHttpError(400, 'say what to replay: {"id"}, {"ids": [...]}, {"all": true} or {"from", "to"}');
}

function guarded(handle: (request: DebugRequest) => Promise<DebugResponse>): (request: DebugRequest) => Promise<DebugResponse> {
  return async (request) => {
    try {
      return await handle(request);
    } catch (error) {
      if (error instanceof DebugHttpError) throw error;
      throw new DebugHttpError(503, `delivery records unavailable: ${(error as Error).message}`);
    }
  };
}

const ok = (body: unknown): DebugResponse => ({ status: 200, body });

function time(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const ms = typeof value === 'number' || /^\d+$/.test(String(value)) ? Number(value) : Date.parse(String(value));
  if (!Number.isFinite(ms)) throw new DebugHttpError(400, `${name}: expected an ISO 8601 time or ms since the epoch`);
  return ms;
}

function integer(query: URLSearchParams, name: string): number | undefined {
  const value = query.get(name);
  if (value === null) return undefined;
  if (!/^\d+$/.test(value)) throw new DebugHttpError(400, `${name}: expected a positive integer`);
  return Number(value);
}
