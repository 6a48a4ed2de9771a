import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { HttpReceiver, tempDir, waitFor } from '@app/testing';
import {
  OciLayout,
  layoutIndex,
  sha256,
  skopeo,
  startRegistry,
  startWorker,
  type AppProcess,
  type BuiltImage,
  type RegistryProcess,
} from '../support/index.js';
import { TokenServer } from '../auth/token-server.js';
import { makeCa, makeLeaf } from '../server/pki.js';
import { proxyTestRedis } from './test-redis.js';

const service = 'upstream.test';
const issuer = 'upstream-issuer';
const user = { name: 'mirror', password: 'mirror-secret' };

interface LoggedEvent {
  action: string;
  target: { repository: string; digest: string; upstream?: string; tag?: string };
}

// The Bearer token flow against an upstream that asks for it: our registry in token mode over TLS (its
// CA given to the cache as `proxy.cafile`), behind the test support's token server. The cache is the
// whole registry (distribution's `proxy.remoteurl`, `username`, `password`); its pulls reach a webhook
// receiver through Redis and the worker as ordinary `pull` events naming the upstream.
describe('a token-auth upstream over TLS', { timeout: 240_000 }, () => {
  const work = tempDir('proxy-token-');
  const redis = proxyTestRedis();
  let image: BuiltImage;
  let tokens: TokenServer;
  let upstream: RegistryProcess;
  let cache: RegistryProcess;
  let worker: AppProcess;
  let receiver: HttpReceiver;
  let upstreamUrl: string;

  beforeAll(async () => {
    const ca = makeCa(work.path);
    const signer = makeLeaf(work.path, ca, 'token-signer', { rsa: true });
    const server = makeLeaf(work.path, ca, 'upstream');
    tokens = await TokenServer.start({
      keyFile: signer.key,
      issuer,
      service,
      users: { [user.name]: { password: user.password, rights: { '*': ['pull', 'push'] } } },
    });
    const layout = new OciLayout(join(work.path, 'layout'));
    image = await layout.addImage({ layerSizes: [4096, 300 * 1024], label: 'token' });
    layout.tag(image.manifest, 'v1');
    upstream = await startRegistry({
      config: {
        log: { level: 'info' },
        http: { tls: { certificate: server.cert, key: server.key } },
        auth: { token: { realm: tokens.realm, service, issuer, rootcertbundle: signer.cert } },
      },
      ready: (app) => app.waitForOutput('"listening"', 20_000),
    });
    upstreamUrl = `https://${upstream.addr}`;
    await skopeo.copy(`oci:${layout.dir}:v1`, `docker://${upstream.addr}/library/app:v1`, [
      '--dest-creds',
      `${user.name}:${user.password}`,
    ]);
    receiver = await HttpReceiver.start();
    const shared = {
      redis: redis.config,
      notifications: { endpoints: [{ name: 'audit', url: receiver.url }] },
    };
    cache = await startRegistry({
      config: {
        ...shared,
        proxy: { remoteurl: upstreamUrl, username: user.name, password: user.password, cafile: ca.cert },
      },
    });
    worker = await startWorker({ config: shared });
  }, 180_000);

  afterAll(async () => {
    await worker?.dispose();
    await cache?.dispose();
    await upstream?.dispose();
    await tokens?.close();
    await receiver?.stop();
    await redis.cleanup();
    work.remove();
  });

  it('pulls through a Bearer-token upstream, asking the token server once per scope', async () => {
    const out = join(work.path, 'pulled');
    await skopeo.copy(`docker://${cache.addr}/library/app:v1`, `oci:${out}:v1`);
    expect(layoutIndex(out).manifests[0].digest).toBe(image.manifest.digest);
    expect(sha256(await skopeo.inspectRaw(`docker://${cache.addr}/library/app:v1`))).toBe(image.manifest.digest);
    const asked = tokens.requests.filter((request) => request.scopes.includes('repository:library/app:pull'));
    expect(asked.length).toBeGreaterThanOrEqual(1);
    expect(asked.every((request) => request.account === user.name)).toBe(true);
    // skopeo's own pulls of the cache ask nothing of the token server: only the cache's do, one token cached.
    expect(asked.length).toBeLessThanOrEqual(2);
  });

  it('emits ordinary pull events that name the upstream', async () => {
    const events = await waitFor(
      () => {
        const all = receiver.bodies<{ events: LoggedEvent[] }>().flatMap((body) => body.events);
        const pulls = all.filter((event) => event.action === 'pull' && event.target.repository === 'library/app');
        return pulls.length >= 4 ? pulls : undefined;
      },
      { timeout: 30_000, what: 'pull events' },
    );
    expect(events.every((event) => event.target.upstream === upstreamUrl)).toBe(true);
    const digests = events.map((event) => event.target.digest);
    expect(digests).toEqual(expect.arrayContaining([image.manifest.digest, ...image.layers.map((l) => l.digest)]));
  });

  it('refuses pushes into the cache with 405 UNSUPPORTED', async () => {
    const response = await fetch(`${cache.url}/v2/library/app/blobs/uploads/`, { method: 'POST' });
    expect(response.status).toBe(405);
    expect(((await response.json()) as { errors: { code: string }[] }).errors[0].code).toBe('UNSUPPORTED');
  });
});
