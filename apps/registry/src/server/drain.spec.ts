import { afterEach, describe, expect, it } from 'vitest';
import { createServer, request, type Server } from 'node:http';
import { Drainer } from './drain.js';

/** A server whose every request answers after `delay` ms, behind the drainer. */
async function slowServer(delay: number): Promise<{ server: Server; drainer: Drainer; port: number }> {
  const server = createServer();
  const drainer = new Drainer([server]);
  server.on('request', (req, res) => drainer.middleware(req, res, () => setTimeout(() => res.end('done'), delay)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, drainer, port: (server.address() as { port: number }).port };
}

function get(port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ port, host: '127.0.0.1', path: '/', agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Drainer', () => {
  let server: Server | undefined;
  afterEach(() => server?.closeAllConnections());

  it('lets requests in flight finish, refuses new connections, and resolves once idle', async () => {
    const slow = await slowServer(400);
    server = slow.server;
    const inFlight = get(slow.port);
    await sleep(50);
    expect(slow.drainer.requestsInFlight).toBe(1);
    const started = Date.now();
    const drained = slow.drainer.drain(5_000);
    await expect(get(slow.port)).rejects.toThrow(/ECONNREFUSED/);
    expect(await inFlight).toEqual({ status: 200, body: 'done' });
    expect(await drained).toBe(0);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('cuts what is still running at the timeout', async () => {
    const slow = await slowServer(3_000);
    server = slow.server;
    const inFlight = get(slow.port);
    await sleep(50);
    expect(await slow.drainer.drain(100)).toBe(1);
    await expect(inFlight).rejects.toThrow(/socket hang up|ECONNRESET/);
  });
});
