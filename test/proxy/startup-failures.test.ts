import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { tempDir } from '@app/testing';
import { assertBuilt, freeAddr, mainPath, PROJECT_ROOT } from '../support/index.js';

/** Runs the built registry with `config` until it exits (or 15 s); its exit code and output. */
function runRegistry(config: Record<string, unknown>, dir: string): Promise<{ code: number | null; output: string }> {
  const path = join(dir, `config-${Math.random().toString(36).slice(2)}.yml`);
  writeFileSync(path, stringify(config));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [mainPath('registry'), path], { cwd: PROJECT_ROOT, stdio: 'pipe' });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('the registry refuses to start on a broken proxy configuration', { timeout: 60_000 }, () => {
  const dir = tempDir('proxy-startup-');
  const base = async (proxy: Record<string, unknown>) => ({
    version: '0.1',
    storage: { inmemory: {} },
    http: { addr: await freeAddr() },
    proxy,
  });

  beforeAll(() => assertBuilt('registry'));
  afterAll(() => dir.remove());

  it.each([
    [{ remoteurl: 'registry-1.docker.io' }, 'proxy.remoteurl: '],
    [
      {
        remotes: [
          { prefix: 'hub', remoteurl: 'https://a.example' },
          { prefix: 'hub/x', remoteurl: 'https://b' },
        ],
      },
      'proxy.remotes[1].prefix: "hub/x" overlaps proxy.remotes[0].prefix "hub"',
    ],
    [
      { remotes: [{ prefix: 'hub', remoteurl: 'https://a.example', cafile: '/nonexistent/ca.pem' }] },
      'proxy.remotes[0].cafile',
    ],
  ])('%j stops the start naming the key', async (proxy, message) => {
    const { code, output } = await runRegistry(await base(proxy), dir.path);
    expect(code).toBe(1);
    expect(output).toContain(message);
    expect(output).not.toContain('failed to start');
  });
});
