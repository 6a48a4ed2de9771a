// `npm start`: the registry and the worker together, each its own process (so one can be killed alone),
// on defaults that serve out of the box. Where no Redis is configured (no `redis.addr` or sentinel in
// the file or REGISTRY_REDIS_ADDR in the environment) it runs a local redis-server child with AOF under
// <storage root>/_redis on a free loopback port (a second launcher on the same root refuses) and hands its
// address to both apps through REGISTRY_REDIS_ADDR. The children run in process groups of their own, so a
// Ctrl-C in the terminal (SIGINT to the launcher's whole group) reaches only the launcher, which passes it
// on once: each app drains once (http.draintimeout), then Redis is stopped, then the launcher exits.
import 'reflect-metadata';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createConnection, createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { configOrExit, configPath, projectRoot, redisConfigured } from '@app/config';
import { adoptLegacyDir, lockRedisDir, redisDataDir } from './launcher-redis.js';

const APPS = ['registry', 'worker'] as const;

interface Child {
  name: string;
  process: ChildProcess;
  exited: Promise<number>;
}

let stopping = false;

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const config = configOrExit('launcher', argv);
  const file = configPath({ argv });
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (file) env.REGISTRY_CONFIGURATION_PATH = resolve(file);
  let redis: Child | undefined;
  let release = (): void => undefined;
  if (!redisConfigured(config.redis)) {
    const dir = redisDataDir(config);
    adoptLegacyDir(dir, process.cwd(), log);
    const lock = lockRedisDir(dir);
    if ('refused' in lock) fail(lock.refused);
    release = lock.release;
    const port = await freePort();
    redis = startRedis(port, dir);
    await waitForRedis(port, redis, dir);
    env.REGISTRY_REDIS_ADDR = `127.0.0.1:${port}`;
  }
  const apps = APPS.map((app) => startApp(app, env));
  forwardSignals(apps);
  const codes = await Promise.all(apps.map((app) => app.exited));
  if (redis) await stopChild(redis);
  release();
  process.exit(codes.find((code) => code !== 0) ?? 0);
}

/** A redis-server child with AOF (fsync on every write: an acknowledged event survives a crash). */
function startRedis(port: number, dir: string): Child {
  const probe = spawnSync('redis-server', ['--version'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) {
    fail(
      'redis-server is not installed, and no Redis is configured.\n' +
        '  Either install it (Debian/Ubuntu: apt-get install -y redis-server; macOS: brew install redis),\n' +
        '  or point both apps at a running Redis: set redis.addr in the config file or REGISTRY_REDIS_ADDR=host:port.',
    );
  }
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes'];
  args.push('--appendfsync', 'always', '--save', '', '--daemonize', 'no', '--loglevel', 'warning');
  log(`starting redis-server on 127.0.0.1:${port} (AOF under ${dir})`);
  return track('redis', spawn('redis-server', args, { stdio: ['ignore', 'inherit', 'inherit'], detached: true }));
}

function startApp(app: (typeof APPS)[number], env: NodeJS.ProcessEnv): Child {
  const main = join(projectRoot(), 'dist', 'apps', app, 'src', 'main.js');
  const child = track(
    app,
    spawn(process.execPath, [main], { env, stdio: ['ignore', 'inherit', 'inherit'], detached: true }),
  );
  void child.exited.then((code) => {
    if (!stopping) log(`${app} exited with code ${code}; the other processes keep running (Ctrl-C stops them)`);
  });
  return child;
}

/**
 * Exit code of a child; one that ended by the signal we forwarded (Nest re-raises SIGTERM/SIGINT once its
 * shutdown hooks ran) stopped as asked, which is a clean exit.
 */
function track(name: string, process: ChildProcess): Child {
  const exited = new Promise<number>((resolve) => {
    process.once('exit', (code, signal) => {
      if (code !== null) return resolve(code);
      resolve(stopping && (signal === 'SIGTERM' || signal === 'SIGINT') ? 0 : 128 + signalNumber(signal ?? 'SIGKILL'));
    });
    process.once('error', (error) => {
      log(`${name}: ${error.message}`);
      resolve(1);
    });
  });
  return { name, process, exited };
}

/**
 * The first SIGINT/SIGTERM (or SIGHUP: the terminal closed) is passed to each app once, as SIGTERM for SIGHUP;
 * a repeat is passed on too (an app exits at once on its second signal: the way to cut a drain short).
 */
function forwardSignals(apps: Child[]): void {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (!stopping) log(`${signal}: stopping the apps (each drains within http.draintimeout), then Redis`);
      stopping = true;
      const forwarded = signal === 'SIGHUP' ? 'SIGTERM' : signal;
      for (const app of apps) if (app.process.exitCode === null) app.process.kill(forwarded);
    });
  }
}

async function stopChild(child: Child): Promise<void> {
  if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGTERM');
  await child.exited;
}

/** Resolves once redis-server answers PING; fails if it exits first or takes over 10 s. */
async function waitForRedis(port: number, redis: Child, dir: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  let exited = false;
  void redis.exited.then(() => (exited = true));
  while (!(await ping(port))) {
    if (exited) fail(`redis-server exited at start (is ${dir} writable?)`);
    if (Date.now() > deadline) {
      redis.process.kill('SIGKILL');
      fail(`redis-server did not answer on 127.0.0.1:${port} within 10 s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.setTimeout(500);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function signalNumber(signal: NodeJS.Signals): number {
  return ({ SIGINT: 2, SIGKILL: 9, SIGTERM: 15 } as Record<string, number>)[signal] ?? 1;
}

function log(message: string): void {
  process.stderr.write(`launcher: ${message}\n`);
}

function fail(message: string): never {
  log(message);
  process.exit(1);
}

void main();
