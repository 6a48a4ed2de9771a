import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { tempDir, waitFor } from '@app/testing';
import { OciLayout, run, skopeo, startRegistry, type BuiltImage, type RegistryProcess } from '../support/index.js';
import { makeCa, makeLeaf } from '../server/pki.js';
import { EventLogReader } from './event-log.js';
import { Podman } from './podman.js';
import { TokenServer } from './token-server.js';

const service = 'registry.test';
const issuer = 'token-issuer';

// The Docker token protocol end to end: a token server made with jose and a real RSA key pair whose
// certificate is the registry's rootcertbundle; skopeo and podman find the realm in the 401 challenge,
// fetch tokens for the scopes they need with the user's password, and retry.
describe('auth.token with skopeo and podman', { timeout: 240_000 }, () => {
  const work = tempDir('auth-token-');
  const layoutDir = join(work.path, 'layout');
  const events = new EventLogReader();
  let image: BuiltImage;
  let tokens: TokenServer;
  let registry: RegistryProcess;
  const ref = (repo: string, tag: string) => `docker://${registry.addr}/${repo}:${tag}`;

  beforeAll(async () => {
    const signer = makeLeaf(work.path, makeCa(work.path), 'token-signer', { rsa: true });
    tokens = await TokenServer.start({
      keyFile: signer.key,
      issuer,
      service,
      users: {
        alice: { password: 'alice-secret', rights: { '*': ['pull', 'push', 'delete'], catalog: ['*'] } },
        reader: { password: 'reader-secret', rights: { '*': ['pull'] } },
      },
    });
    const layout = new OciLayout(layoutDir);
    image = await layout.addImage({ layerSizes: [4096, 200 * 1024], label: 'token' });
    layout.tag(image.manifest, 'v1');
    registry = await startRegistry({
      config: {
        auth: { token: { realm: tokens.realm, service, issuer, rootcertbundle: signer.cert } },
        ...events.config,
      },
    });
  }, 120_000);

  afterAll(async () => {
    await registry?.dispose();
    await tokens?.close();
    await events.dispose();
    work.remove();
  });

  it('challenges with the Bearer realm, service and the scope the route needs', async () => {
    const base = await fetch(`${registry.url}/v2/`);
    expect(base.status).toBe(401);
    expect(base.headers.get('www-authenticate')).toBe(`Bearer realm="${tokens.realm}",service="${service}"`);
    const push = await fetch(`${registry.url}/v2/team/app/blobs/uploads/`, { method: 'POST' });
    expect(push.headers.get('www-authenticate')).toBe(
      `Bearer realm="${tokens.realm}",service="${service}",scope="repository:team/app:pull,push"`,
    );
    const catalog = await fetch(`${registry.url}/v2/_catalog`);
    expect(catalog.headers.get('www-authenticate')).toContain('scope="registry:catalog:*"');
  });

  it('lets skopeo push with a user who may push, and pull with a reader', async () => {
    await skopeo.copy(`oci:${layoutDir}:v1`, ref('team/app', 'v1'), ['--dest-creds', 'alice:alice-secret']);
    const raw = await run('skopeo', [
      'inspect',
      '--raw',
      '--tls-verify=false',
      '--creds',
      'reader:reader-secret',
      ref('team/app', 'v1'),
    ]);
    expect(JSON.parse(raw.stdout)).toMatchObject({ config: { digest: image.config.digest } });
    expect(
      tokens.requests.some(
        (request) => request.account === 'alice' && request.scopes.includes('repository:team/app:pull,push'),
      ),
    ).toBe(true);
  });

  it('refuses a push by a reader (403 DENIED) and anything with a wrong password', async () => {
    await expect(
      skopeo.copy(`oci:${layoutDir}:v1`, ref('team/other', 'v1'), ['--dest-creds', 'reader:reader-secret']),
    ).rejects.toThrow(/denied|403/i);
    await expect(
      run('skopeo', ['inspect', '--raw', '--tls-verify=false', '--creds', 'alice:wrong', ref('team/app', 'v1')]),
    ).rejects.toThrow();
  });

  it('answers 403 DENIED to a token whose grant for the repository lacks the action, and the catalog to its scope', async () => {
    const pullOnly = await tokens.sign('reader', [{ type: 'repository', name: 'team/app', actions: ['pull'] }]);
    const denied = await fetch(`${registry.url}/v2/team/app/blobs/uploads/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${pullOnly}` },
    });
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as { errors: { code: string }[] }).errors[0].code).toBe('DENIED');
    const tags = await fetch(`${registry.url}/v2/team/app/tags/list`, {
      headers: { authorization: `Bearer ${pullOnly}` },
    });
    expect(tags.status).toBe(200);
    expect(((await tags.json()) as { tags: string[] }).tags).toEqual(['v1']);
    const noCatalog = await fetch(`${registry.url}/v2/_catalog`, { headers: { authorization: `Bearer ${pullOnly}` } });
    expect(noCatalog.status).toBe(401);
    expect(noCatalog.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    const catalogToken = await tokens.sign('alice', [{ type: 'registry', name: 'catalog', actions: ['*'] }]);
    const catalog = await fetch(`${registry.url}/v2/_catalog`, {
      headers: { authorization: `Bearer ${catalogToken}` },
    });
    expect(catalog.status).toBe(200);
    expect(((await catalog.json()) as { repositories: string[] }).repositories).toContain('team/app');
  });

  it('keeps scopes on paths Express would route in another case or with a trailing slash, and 404s what it cannot place', async () => {
    const otherRepo = await tokens.sign('reader', [{ type: 'repository', name: 'other', actions: ['pull'] }]);
    const auth = { authorization: `Bearer ${otherRepo}` };
    for (const path of [
      '/V2/team/app/TAGS/LIST',
      '/v2/team/app/tags/list/',
      '/v2/team/app/Manifests/v1',
      '/v2/_catalog/',
      '/V2/_CATALOG',
    ]) {
      const response = await fetch(`${registry.url}${path}`, { headers: auth });
      expect(response.status, path).toBe(401);
      expect(response.headers.get('www-authenticate'), path).toContain('error="insufficient_scope"');
    }
    const unknown = await fetch(`${registry.url}/v2/team/app/whatever`, { headers: auth });
    expect(unknown.status).toBe(404);
    expect((await fetch(`${registry.url}/v2/team/app/whatever`)).status).toBe(401);
  });

  it('lets podman log in, push and pull through the token server', async () => {
    const podman = new Podman(work.path);
    await podman.load(`oci:${layoutDir}:v1`, 'token/app:v1');
    await podman.login(registry.addr, 'alice', 'alice-secret');
    await podman.push('token/app:v1', `${registry.addr}/podman/app:v1`);
    await podman.remove('localhost/token/app:v1');
    await podman.pull(`${registry.addr}/podman/app:v1`);
    expect(await podman.imageId(`${registry.addr}/podman/app:v1`)).toBe(image.config.digest.replace('sha256:', ''));
  });

  it("takes the token's subject as the events' actor", async () => {
    const logged = await waitFor(
      async () => {
        const all = await events.events();
        return all.some((event) => event.action === 'push' && event.target.repository === 'podman/app')
          ? all
          : undefined;
      },
      { what: 'push events' },
    );
    expect(logged.filter((event) => event.action === 'push').every((event) => event.actor?.name === 'alice')).toBe(
      true,
    );
    expect(logged.some((event) => event.action === 'pull' && event.actor?.name === 'reader')).toBe(true);
  });
});
