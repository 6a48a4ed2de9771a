import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { tempDir, waitFor } from '@app/testing';
import { OciLayout, skopeo, run, startRegistry, type BuiltImage, type RegistryProcess } from '../support/index.js';
import { EventLogReader } from './event-log.js';
import { Podman } from './podman.js';

// htpasswd auth with the real clients: a file written by `htpasswd -B`, skopeo with --creds, podman login
// and push/pull, the file edited while the registry runs, and the user reaching the events' actor.
describe('auth.htpasswd with skopeo and podman', { timeout: 240_000 }, () => {
  const work = tempDir('auth-htpasswd-');
  const htpasswd = join(work.path, 'htpasswd');
  const layoutDir = join(work.path, 'layout');
  const events = new EventLogReader();
  let image: BuiltImage;
  let registry: RegistryProcess;
  const ref = (repo: string, tag: string) => `docker://${registry.addr}/${repo}:${tag}`;

  beforeAll(async () => {
    execFileSync('htpasswd', ['-B', '-b', '-c', htpasswd, 'alice', 'alice-secret'], { stdio: 'ignore' });
    const layout = new OciLayout(layoutDir);
    image = await layout.addImage({ layerSizes: [4096, 300 * 1024], label: 'htpasswd' });
    layout.tag(image.manifest, 'v1');
    registry = await startRegistry({
      config: { auth: { htpasswd: { realm: 'basic-realm', path: htpasswd } }, ...events.config },
    });
  }, 120_000);

  afterAll(async () => {
    await registry?.dispose();
    await events.dispose();
    work.remove();
  });

  it('challenges with Basic realm and UNAUTHORIZED, for the API and unknown paths alike', async () => {
    for (const path of ['/v2/', '/v2/team/app/tags/list', '/v2/_catalog', '/anything']) {
      const response = await fetch(`${registry.url}${path}`);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Basic realm="basic-realm"');
      expect(((await response.json()) as { errors: { code: string }[] }).errors[0].code).toBe('UNAUTHORIZED');
    }
    const wrong = await fetch(`${registry.url}/v2/`, {
      headers: { authorization: `Basic ${Buffer.from('alice:nope').toString('base64')}` },
    });
    expect(wrong.status).toBe(401);
  });

  it('lets skopeo push and pull with credentials and refuses it without', async () => {
    await expect(skopeo.copy(`oci:${layoutDir}:v1`, ref('team/app', 'v1'))).rejects.toThrow(
      /401|unauthorized|authentication required/i,
    );
    await skopeo.copy(`oci:${layoutDir}:v1`, ref('team/app', 'v1'), ['--dest-creds', 'alice:alice-secret']);
    const raw = await run('skopeo', [
      'inspect',
      '--raw',
      '--tls-verify=false',
      '--creds',
      'alice:alice-secret',
      ref('team/app', 'v1'),
    ]);
    expect(JSON.parse(raw.stdout)).toMatchObject({ config: { digest: image.config.digest } });
  });

  it('lets podman log in, push and pull', async () => {
    const podman = new Podman(work.path);
    await podman.load(`oci:${layoutDir}:v1`, 'htpasswd/app:v1');
    await expect(podman.login(registry.addr, 'alice', 'wrong')).rejects.toThrow();
    await podman.login(registry.addr, 'alice', 'alice-secret');
    await podman.push('htpasswd/app:v1', `${registry.addr}/podman/app:v1`);
    await podman.remove('localhost/htpasswd/app:v1');
    await podman.pull(`${registry.addr}/podman/app:v1`);
    expect(await podman.imageId(`${registry.addr}/podman/app:v1`)).toBe(image.config.digest.replace('sha256:', ''));
  });

  it('puts the authenticated user in the events (actor.name)', async () => {
    const logged = await waitFor(
      async () => {
        const all = await events.events();
        return all.some((event) => event.action === 'push' && event.target.repository === 'podman/app')
          ? all
          : undefined;
      },
      { what: 'push events in the event log' },
    );
    const pushes = logged.filter((event) => event.action === 'push');
    expect(pushes.length).toBeGreaterThan(0);
    expect(pushes.every((event) => event.actor?.name === 'alice')).toBe(true);
  });

  it('reads the file again when it changes: a new user gets in, a removed one is out', async () => {
    const bob = `Basic ${Buffer.from('bob:bob-secret').toString('base64')}`;
    expect((await fetch(`${registry.url}/v2/`, { headers: { authorization: bob } })).status).toBe(401);
    execFileSync('htpasswd', ['-B', '-b', htpasswd, 'bob', 'bob-secret'], { stdio: 'ignore' });
    expect((await fetch(`${registry.url}/v2/`, { headers: { authorization: bob } })).status).toBe(200);
    execFileSync('htpasswd', ['-D', htpasswd, 'alice'], { stdio: 'ignore' });
    const alice = `Basic ${Buffer.from('alice:alice-secret').toString('base64')}`;
    expect((await fetch(`${registry.url}/v2/`, { headers: { authorization: alice } })).status).toBe(401);
  });
});
