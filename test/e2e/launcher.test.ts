import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, tempDir, waitFor } from '@app/testing';
import { OciLayout, PROJECT_ROOT, sha256, skopeo, waitForHttp } from '../support/index.js';

// `npm start` (dist/apps/launcher.js): registry and worker as separate processes, with a local
// redis-server (AOF under <storage root>/_redis) when no Redis is configured.
const LAUNCHER = join(PROJECT_ROOT, 'dist', 'apps', 'launcher.js');

interface Launched {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function launch(cwd: string, env: Record<string, string>): Launched {
  const child = spawn(process.execPath, [LAUNCHER], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

function childrenOf(pid: number): { pid: number; cmd: string }[] {
  const path = `/proc/${pid}/task/${pid}/children`;
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map((child) => ({ pid: Number(child), cmd: readFileSync(`/proc/${child}/cmdline`, 'utf8').replace(/\0/g, ' ') }));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}

describe('launcher (npm start)', { timeout: 60_000 }, () => {
  const dirs: { remove(): void }[] = [];
  const started: Launched[] = [];

  afterEach(async () => {
    for (const launched of started.splice(0)) {
      if (launched.child.exitCode === null) launched.child.kill('SIGKILL');
    }
    for (const dir of dirs.splice(0)) dir.remove();
  });

  it('runs registry (storage under ./data), worker and its own redis-server (AOF under ./data/_redis); SIGTERM stops them all', async () => {
    const cwd = tempDir('launcher-');
    dirs.push(cwd);
    const addr = `127.0.0.1:${await freePort()}`;
    const launched = launch(cwd.path, { REGISTRY_HTTP_ADDR: addr, REGISTRY_REDIS_ADDR: '' });
    started.push(launched);
    await waitForHttp(`http://${addr}/v2/`, undefined, 30_000);
    const children = childrenOf(launched.child.pid!);
    const redis = children.find((child) => child.cmd.startsWith('redis-server'));
    expect(redis, launched.output()).toBeDefined();
    expect(children.some((child) => child.cmd.includes('apps/registry/src/main.js'))).toBe(true);
    expect(existsSync(join(cwd.path, 'data', '_redis', 'appendonlydir'))).toBe(true);
    const layout = new OciLayout(join(cwd.path, 'layout'));
    const image = await layout.addImage({ layerSizes: [4096] });
    layout.tag(image.manifest, 'v1');
    await skopeo.copy(`oci:${layout.dir}:v1`, `docker://${addr}/launcher/app:v1`);
    expect(sha256(await skopeo.inspectRaw(`docker://${addr}/launcher/app:v1`))).toBe(image.manifest.digest);
    expect(existsSync(join(cwd.path, 'data', 'docker', 'registry', 'v2', 'repositories', 'launcher', 'app'))).toBe(
      true,
    );
    launched.child.kill('SIGTERM');
    expect(await launched.exited).toBe(0);
    await waitFor(() => !alive(redis!.pid), { what: 'redis-server to exit' });
    await expect(fetch(`http://${addr}/v2/`)).rejects.toThrow();
  });

  it('keeps the other processes running when the registry alone is killed', async () => {
    const cwd = tempDir('launcher-');
    dirs.push(cwd);
    const addr = `127.0.0.1:${await freePort()}`;
    const launched = launch(cwd.path, { REGISTRY_HTTP_ADDR: addr, REGISTRY_REDIS_ADDR: '' });
    started.push(launched);
    await waitForHttp(`http://${addr}/v2/`, undefined, 30_000);
    const registry = childrenOf(launched.child.pid!).find((child) => child.cmd.includes('apps/registry/src/main.js'))!;
    process.kill(registry.pid, 'SIGKILL');
    await waitFor(() => launched.output().includes('registry exited'), { what: 'the launcher to notice' });
    expect(launched.child.exitCode).toBeNull();
    expect(childrenOf(launched.child.pid!).some((child) => child.cmd.startsWith('redis-server'))).toBe(true);
    launched.child.kill('SIGINT');
    expect(await launched.exited).not.toBeNull();
  });

  it('stops with a message saying what to do when redis-server is not installed', async () => {
    const cwd = tempDir('launcher-');
    dirs.push(cwd);
    const launched = launch(cwd.path, { PATH: '/nonexistent', REGISTRY_REDIS_ADDR: '' });
    started.push(launched);
    expect(await launched.exited).toBe(1);
    expect(launched.output()).toMatch(/redis-server is not installed/);
    expect(launched.output()).toMatch(/REGISTRY_REDIS_ADDR/);
  });
});
