import { request } from 'node:http';
import { tempDir, waitFor } from '@app/testing';
import { AppProcess, freeAddr, type AppProcessOptions } from './app-process.js';

export type PlainConfig = Record<string, unknown>;

/** Deep-merges plain objects (arrays and scalars of `override` replace). */
export function mergeConfig(base: PlainConfig, override: PlainConfig = {}): PlainConfig {
  const out: PlainConfig = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = out[key];
    out[key] = isPlain(current) && isPlain(value) ? mergeConfig(current, value) : value;
  }
  return out;
}

function isPlain(value: unknown): value is PlainConfig {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}

export interface RegistryOptions extends Partial<Omit<AppProcessOptions, 'config'>> {
  /** Merged over the defaults: filesystem storage in a temp dir, delete enabled, a free loopback port, warn logs. */
  config?: PlainConfig;
}

/** A registry process with its address and storage root. */
export class RegistryProcess extends AppProcess {
  constructor(
    options: AppProcessOptions,
    readonly addr: string,
    readonly root: string | undefined,
    private readonly removeRoot: () => void,
  ) {
    super('registry', options);
  }

  /** `127.0.0.1:<port>`, what skopeo's docker:// references take. */
  get host(): string {
    return this.addr;
  }

  get url(): string {
    return `http://${this.addr}`;
  }

  override async dispose(): Promise<void> {
    await super.dispose();
    this.removeRoot();
  }
}

/**
 * Starts `dist/apps/registry/src/main.js` on a free port with filesystem storage in a fresh temp dir
 * (unless the config names another root or driver), and waits until `GET /v2/` answers (any status:
 * with auth on it is 401).
 */
export async function startRegistry(options: RegistryOptions = {}): Promise<RegistryProcess> {
  const addr = await freeAddr();
  const dir = tempDir('registry-root-');
  const defaults: PlainConfig = {
    version: '0.1',
    log: { level: 'warn', formatter: 'json', accesslog: { disabled: true } },
    storage: { filesystem: { rootdirectory: dir.path }, delete: { enabled: true } },
    http: { addr },
  };
  const config = mergeConfig(defaults, options.config);
  const custom = options.config?.storage as PlainConfig | undefined;
  if (custom && !('filesystem' in custom)) delete (config.storage as PlainConfig).filesystem;
  const http = config.http as PlainConfig;
  const registry = new RegistryProcess(
    { ...options, config, ready: options.ready ?? ((app) => waitForHttp(`http://${String(http.addr)}/v2/`, app)) },
    String(http.addr),
    (config.storage as { filesystem?: { rootdirectory?: string } }).filesystem?.rootdirectory,
    () => dir.remove(),
  );
  return registry.start();
}

export interface WorkerOptions extends Partial<Omit<AppProcessOptions, 'config'>> {
  /** Merged over the defaults (warn logs, json); give `redis.addr` and `notifications.endpoints`. */
  config?: PlainConfig;
}

/** Starts `dist/apps/worker/src/main.js` and waits for its "worker started" log line. */
export async function startWorker(options: WorkerOptions = {}): Promise<AppProcess> {
  const defaults: PlainConfig = {
    version: '0.1',
    log: { level: 'info', formatter: 'json' },
    storage: { inmemory: {} },
  };
  const config = mergeConfig(defaults, options.config);
  const storage = options.config?.storage as PlainConfig | undefined;
  if (storage) config.storage = storage;
  const worker = new AppProcess('worker', {
    ...options,
    config,
    ready: options.ready ?? ((app) => app.waitForOutput('worker started', 20_000)),
  });
  return worker.start();
}

/** Resolves once `url` answers any HTTP status. */
export async function waitForHttp(url: string, app?: AppProcess, timeout = 20_000): Promise<number> {
  return waitFor(() => httpStatus(url), { timeout, interval: 50, what: `${url} (${app?.app ?? 'server'})` });
}

function httpStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', timeout: 1_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}
