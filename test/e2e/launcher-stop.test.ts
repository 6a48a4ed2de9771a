import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { freePort, tempDir, waitFor } from '@app/testing';
import { PROJECT_ROOT, waitForHttp } from '../support/index.js';

// How `npm start` stops and shares its root: a Ctrl-C in its terminal (SIGINT to the whole process group)
// drains each app once; a second `npm start` on the same storage root refuses.
const LAUNCHER = join(PROJECT_ROOT, 'dist', 'apps', 'launcher.js');

interface Launched {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** The launcher as a terminal runs it: the leader of its own process group (`detached`), whose pid is the group's. */
function launch(cwd: string, args: string[] = []): Launched {
  const child = spawn(process.execPath, [LAUNCHER, ...args], {
    cwd,
    env: { ...process.env, REGISTRY_REDIS_ADDR: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

const count = (text: string, part: string) => text.split(part).length - 1;

/** The launcher's children (registry, worker, redis-server): each leads a process group of its own. */
function childrenOf(pid: number): number[] {
  const path = `/proc/${pid}/task/${pid}/children`;
  return existsSync(path) ? readFileSync(path, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number) : [];
}

/** The process group of `pid` (field 5 of /proc/<pid>/stat, after the parenthesised command). */
function groupOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

function killAll(launched: Launched): void {
  if (launched.child.exitCode !== null) return;
  for (const group of [...childrenOf(launched.child.pid!), launched.child.pid!]) {
    try {
      process.kill(-group, 'SIGKILL');
    } catch {
      // gone already
    }
  }
}

describe('launcher (npm start): stopping and sharing a root', { timeout: 90_000 }, () => {
  const dirs: { remove(): void }[] = [];
  const started: Launched[] = [];
  afterEach(async () => {
    for (const launched of started.splice(0)) killAll(launched);
    for (const dir of dirs.splice(0)) dir.remove();
  });

  async function start(): Promise<{ cwd: string; addr: string; launched: Launched; config: string }> {
    const cwd = tempDir('launcher-stop-');
    dirs.push(cwd);
    const addr = `127.0.0.1:${await freePort()}`;
    const config = join(cwd.path, 'config.yml');
    writeFileSync(
      config,
      `version: 0.1\nstorage:\n  filesystem: {rootdirectory: ./store}\nhttp:\n  addr: ${addr}\n  draintimeout: 30s\n`,
    );
    const launched = launch(cwd.path, [config]);
    started.push(launched);
    await waitForHttp(`http://${addr}/v2/`, undefined, 30_000);
    return { cwd: cwd.path, addr, launched, config };
  }

  it('one Ctrl-C (SIGINT to the group): an upload in flight finishes, each app drains once, exit 0', async () => {
    const { cwd, addr, launched } = await start();
    const post = await fetch(`http://${addr}/v2/stop/app/blobs/uploads/`, { method: 'POST' });
    expect(post.status).toBe(202);
    const location = new URL(post.headers.get('location')!, `http://${addr}`);
    const patch = request(location, {
      method: 'PATCH',
      headers: { 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' },
    });
    const answered = new Promise<number>((resolve, reject) => {
      patch.on('response', (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      patch.on('error', reject);
    });
    patch.write(Buffer.alloc(1000, 1));
    const id = location.pathname.split('/').pop()!;
    const data = join(cwd, 'store/docker/registry/v2/repositories/stop/app/_uploads', id, 'data');
    await waitFor(() => statSync(data, { throwIfNoEntry: false })?.size === 1000, {
      what: 'the first part of the upload stored',
    });
    // The terminal signals the launcher's group: registry, worker and redis-server must not be in it (else
    // each gets SIGINT twice, from the terminal and from the launcher, and Redis stops before the apps).
    const children = childrenOf(launched.child.pid!);
    expect(children).toHaveLength(3);
    for (const child of children) expect(groupOf(child)).toBe(child);
    process.kill(-launched.child.pid!, 'SIGINT');
    await waitFor(() => launched.output().includes('shutting down: draining requests'), { what: 'the drain' });
    patch.end(Buffer.alloc(500, 2));
    expect(await answered).toBe(202);
    expect(await launched.exited).toBe(0);
    const output = launched.output();
    expect(count(output, 'shutting down: draining requests'), output).toBe(1);
    expect(output).not.toContain('second signal');
    expect(output).not.toContain('drain timeout reached');
  });

  it('keeps Redis data under <root>/_redis and refuses a second npm start on the same root', async () => {
    const { cwd, launched, config } = await start();
    expect(launched.output()).toContain(join(cwd, 'store', '_redis'));
    const second = launch(cwd, [config]);
    started.push(second);
    expect(await second.exited).toBe(1);
    expect(second.output()).toMatch(/another npm start \(pid \d+\) is running on this storage root/);
    expect(launched.child.exitCode).toBeNull();
    process.kill(-launched.child.pid!, 'SIGINT');
    expect(await launched.exited).toBe(0);
  });
});
