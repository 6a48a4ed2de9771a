// Processes the benchmarks run: our built registry and worker, distribution 2.8.2, redis-server. Each on
// a free loopback port, with its config in a temp dir; every one is stopped by `stopAll()`.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
export const DISTRIBUTION = '/usr/bin/docker-registry';
let built;

/**
 * The benchmark runs a snapshot of dist/ (under .tmp/, so node_modules still resolves), so that a
 * rebuild during a long run cannot pull the files from under the processes.
 */
async function appMain(app) {
  const complete = (dir) =>
    ['apps/registry/src/main.js', 'apps/worker/src/main.js', 'node_modules/@app/config/index.js'].every((file) =>
      existsSync(join(dir, file)),
    );
  while (!built) {
    await waitUntil(() => complete(join(ROOT, 'dist')), 'a complete dist/ (run `npm run build` first)', 120_000);
    const copy = join(ROOT, '.tmp', `bench-dist-${process.pid}`);
    rmSync(copy, { recursive: true, force: true });
    cpSync(join(ROOT, 'dist'), copy, { recursive: true });
    dirs.add(copy);
    if (complete(copy)) built = copy;
  }
  return join(built, 'apps', app, 'src', 'main.js');
}
const running = new Set();
const dirs = new Set();

export function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.add(dir);
  return dir;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Spawns a command; output is kept (last 64 KiB) for error messages. */
/** BENCH_PROFILE=DIR: our processes write V8 CPU profiles there (open them in Chrome DevTools). */
const profile = (args) =>
  process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`, ...args] : args;

function launch(name, command, args, env = {}) {
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const proc = { name, child, pid: child.pid, output: '' };
  const keep = (chunk) => (proc.output = (proc.output + chunk.toString()).slice(-65536));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  proc.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  running.add(proc);
  void proc.exited.then(() => running.delete(proc));
  return proc;
}

export async function stop(proc, signal = 'SIGTERM') {
  if (!proc || !running.has(proc)) return;
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), 10_000);
  proc.child.kill(signal);
  await proc.exited;
  clearTimeout(timer);
}

export async function stopAll() {
  await Promise.all([...running].map((proc) => stop(proc)));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}

function writeConfig(config) {
  const path = join(tempDir('bench-cfg-'), 'config.yml');
  writeFileSync(path, stringify(config));
  return path;
}

export function httpStatus(url, method = 'GET') {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, timeout: 1_000 }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

export async function waitUntil(check, what, timeout = 30_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function startServer(proc, addr) {
  const ready = waitUntil(
    () => httpStatus(`http://${addr}/v2/`).then((status) => status > 0),
    `${proc.name} on ${addr}`,
  );
  const died = proc.exited.then((code) => {
    throw new Error(`${proc.name} exited (${code}) at start:\n${proc.output}`);
  });
  await Promise.race([ready, died]);
  return { ...proc, addr, url: `http://${addr}` };
}

/**
 * Our registry (built), filesystem storage in a temp dir unless `driver` names another (`{ s3: {...} }`).
 * `extra` is merged at the top level.
 */
export async function startOurs({ notifications, redis, storage = {}, log, proxy, driver } = {}) {
  const addr = `127.0.0.1:${await freePort()}`;
  const root = tempDir('bench-ours-');
  const config = {
    version: '0.1',
    log: log ?? { level: 'warn', formatter: 'json', accesslog: { disabled: true } },
    storage: {
      ...(driver ?? { filesystem: { rootdirectory: root } }),
      delete: { enabled: true },
      maintenance: { uploadpurging: { enabled: false } },
      ...storage,
    },
    http: { addr, secret: 'bench-secret' },
    ...(redis ? { redis } : {}),
    ...(notifications ? { notifications } : {}),
    ...(proxy ? { proxy } : {}),
  };
  const path = writeConfig(config);
  const proc = launch('registry', process.execPath, profile([await appMain('registry'), path]));
  return { ...(await startServer(proc, addr)), config, configPath: path, root };
}

/** Our worker with the same config file as a registry started by `startOurs`. */
export async function startWorker(configPath) {
  // info level for its "worker started" line, whatever the shared file says
  const proc = launch('worker', process.execPath, profile([await appMain('worker'), configPath]), {
    REGISTRY_LOG_LEVEL: 'info',
  });
  const died = proc.exited.then((code) => {
    throw new Error(`worker exited (${code}) at start:\n${proc.output}`);
  });
  await Promise.race([waitUntil(() => proc.output.includes('worker started'), 'worker start'), died]);
  return proc;
}

/**
 * distribution 2.8.2 (`docker-registry serve`), filesystem storage in a temp dir unless `driver` names another;
 * `proxy` its proxy mode.
 */
export async function startDistribution({ notifications, proxy, driver } = {}) {
  if (!existsSync(DISTRIBUTION)) throw new Error(`${DISTRIBUTION} missing: apt-get install -y docker-registry`);
  const addr = `127.0.0.1:${await freePort()}`;
  const root = tempDir('bench-dist-');
  const config = {
    version: 0.1,
    log: { level: 'error', accesslog: { disabled: true } },
    storage: {
      ...(driver ?? { filesystem: { rootdirectory: root } }),
      delete: { enabled: true },
      cache: { blobdescriptor: 'inmemory' },
      maintenance: { uploadpurging: { enabled: false } },
    },
    http: { addr, secret: 'bench-secret' },
    health: { storagedriver: { enabled: false } },
    ...(notifications ? { notifications } : {}),
    ...(proxy ? { proxy } : {}),
  };
  // aws-sdk-go v1 panics on AWS_CA_BUNDLE with its transport; the RGW here is plain http anyway.
  const proc = launch('distribution', DISTRIBUTION, ['serve', writeConfig(config)], { AWS_CA_BUNDLE: '' });
  return { ...(await startServer(proc, addr)), config, root };
}

/** A redis-server of the bench's own with AOF fsync'd on every write (durable, as production runs it). */
export async function startRedis() {
  const port = await freePort();
  const dir = tempDir('bench-redis-');
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--appendonly',
    'yes',
    '--appendfsync',
    process.env.BENCH_FSYNC ?? 'always',
    '--save',
    '',
    '--loglevel',
    'warning',
  ];
  const proc = launch('redis', 'redis-server', args);
  await waitUntil(
    () =>
      spawnSync('redis-cli', ['-p', String(port), 'ping'])
        .stdout?.toString()
        .startsWith('PONG'),
    'redis-server',
  );
  return { ...proc, port, addr: `127.0.0.1:${port}` };
}

/** CPU time (user + system) a process has used so far, in seconds. */
export function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime and stime are fields 14 and 15 of stat (11 and 12 after the command name), in clock ticks.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** VmRSS and VmHWM (peak) of a process, in bytes. */
export function memoryOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: field('VmRSS'), hwm: field('VmHWM') };
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => void stopAll().finally(() => process.exit(130)));
}
