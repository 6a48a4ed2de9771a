import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DebugHttpError, DebugRouter } from './debug-router.js';

function serve(router: DebugRouter): Promise<Server> {
  const server = createServer((req, res) => void router.dispatch(req, res));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('DebugRouter', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    const router = new DebugRouter('s3cret');
    router.add({ method: 'GET', path: '/open', admin: false, handle: () => ({ status: 200, body: 'text', contentType: 'text/plain' }) });
    router.add({ method: 'GET', path: '/admin/things/:name', admin: true, handle: ({ params, query }) => ({ status: 200, body: { name: params.name, q: query.get('q') } }) });
    router.add({ method: 'POST', path: '/admin/echo', admin: true, handle: ({ body }) => ({ status: 201, body }) });
    router.add({ method: 'GET', path: '/admin/teapot', admin: true, handle: () => { throw new DebugHttpError(418, 'short and stout'); } });
    server = await serve(router);
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const auth = { authorization: 'Bearer s3cret' };

  it('serves open routes without a token and admin routes only with the right one', async () => {
    expect(await (await fetch(`${base}/open`)).text()).toBe('text');
    expect((await fetch(`${base}/admin/things/a`)).status).toBe(401);
    expect((await fetch(`${base}/admin/things/a`, { headers: { authorization: 'Bearer s3cre' } })).status).toBe(401);
    expect((await fetch(`${base}/admin/things/a`, { headers: { authorization: 'Basic s3cret' } })).status).toBe(401);
    expect(await (await fetch(`${base}/admin/things/a%2Fb?q=1`, { headers: auth })).json()).toEqual({ name: 'a/b', q: '1' });
  });

  it('parses JSON bodies, refuses bad ones, maps errors and unknown paths', async () => {
    const echo = await fetch(`${base}/admin/echo`, { method: 'POST', headers: auth, body: '{"a":1}' });
    expect([echo.status, await echo.json()]).toEqual([201, { a: 1 }]);
    expect((await fetch(`${base}/admin/echo`, { method: 'POST', headers: auth, body: '{' })).status).toBe(400);
    const teapot = await fetch(`${base}/admin/teapot`, { headers: auth });
    expect([teapot.status, await teapot.json()]).toEqual([418, { error: 'short and stout' }]);
    expect((await fetch(`${base}/nowhere`)).status).toBe(404);
    expect((await fetch(`${base}/open`, { method: 'POST' })).status).toBe(404);
  });

  it('turns the admin API off without a token', async () => {
    const router = new DebugRouter(undefined);
    router.add({ method: 'GET', path: '/admin/x', admin: true, handle: () => ({ status: 200, body: {} }) });
    const server2 = await serve(router);
    try {
      const port = (server2.address() as AddressInfo).port;
      expect((await fetch(`http://127.0.0.1:${port}/admin/x`, { headers: { authorization: 'Bearer ' } })).status).toBe(404);
    } finally {
      server2.close();
    }
  });
});
