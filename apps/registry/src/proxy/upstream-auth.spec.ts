import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ProxyRemotes } from './proxy-remotes.js';
import { parseChallenge } from './upstream-auth.js';
import { UpstreamClient } from './upstream-client.js';
import { fromObject } from '@app/config';

describe('parseChallenge', () => {
  it('reads Bearer and Basic challenges with quoted parameters', () => {
    expect(
      parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="a:b:pull"'),
    ).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'a:b:pull' },
    });
    expect(parseChallenge('Basic realm="upstream"')).toEqual({ scheme: 'basic', params: { realm: 'upstream' } });
    expect(parseChallenge('Negotiate')).toBeUndefined();
  });
});

// A real loopback server playing a registry with a token endpoint, as Docker Hub answers.
describe('UpstreamClient auth', () => {
  let server: Server;
  let base: string;
  const seen: { path: string; authorization?: string }[] = [];

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      seen.push({ path: req.url ?? '', authorization: req.headers.authorization });
      if (req.url?.startsWith('/token')) {
        const basic = `Basic ${Buffer.from('me:secret').toString('base64')}`;
        if (req.headers.authorization !== basic) return void res.writeHead(401).end();
        return void res.writeHead(200).end(JSON.stringify({ token: 'tok', expires_in: 300 }));
      }
      if (req.headers.authorization !== 'Bearer tok') {
        res.writeHead(401, { 'www-authenticate': `Bearer realm="${base}/token",service="test"` }).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"tags":["v1"]}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('follows the Bearer challenge once, then sends the cached token up front', async () => {
    const config = fromObject({
      version: '0.1',
      storage: { inmemory: {} },
      proxy: { remoteurl: base, username: 'me', password: 'secret' },
    });
    const client = new UpstreamClient(ProxyRemotes.fromConfig(config.proxy).all[0]);
    for (let i = 0; i < 3; i++) {
      const answer = await client.send('GET', '/v2/library/app/tags/list', 'library/app');
      expect(await answer.body.json()).toEqual({ tags: ['v1'] });
    }
    await client.close();
    const tokenRequests = seen.filter((request) => request.path.startsWith('/token'));
    expect(tokenRequests).toHaveLength(1);
    expect(tokenRequests[0].path).toContain('scope=repository%3Alibrary%2Fapp%3Apull');
    expect(seen.filter((request) => request.path.startsWith('/v2/'))).toHaveLength(4);
  });
});
