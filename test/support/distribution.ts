import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { stringify } from 'yaml';
import { tempDir } from '@app/testing';
import { freeAddr } from './app-process.js';
import { mergeConfig, waitForHttp, type PlainConfig } from './apps.js';

export const DISTRIBUTION = '/usr/bin/docker-registry';

export interface DistributionOptions {
  /** One htpasswd user (bcrypt, as `htpasswd -B` writes it). */
  user?: { name: string; password: string };
  /** Merged over the defaults: filesystem storage in a temp dir, delete on, access log on stdout. */
  config?: PlainConfig;
}

/**
 * The real distribution 2.8.2 (`docker-registry serve`) as a process: an upstream for the pull-through
 * cache's tests, or distribution's own proxy mode for comparison. Its access log (stdout) is kept, so a
 * test can count the requests it served. Stop and start again keep the address and the storage.
 */
export class DistributionProcess {
  output = '';
  private child?: ChildProcess;
  private exited?: Promise<void>;
  private readonly dir = tempDir('distribution-');
  readonly root = join(this.dir.path, 'root');
  private readonly configPath = join(this.dir.path, 'config.yml');

  private constructor(readonly addr: string) {}

  static async start(options: DistributionOptions = {}): Promise<DistributionProcess> {
    if (!existsSync(DISTRIBUTION)) throw new Error(`${DISTRIBUTION} missing: apt-get install -y docker-registry`);
    const addr = await freeAddr();
    const upstream = new DistributionProcess(addr);
    const auth = options.user ? { htpasswd: { realm: 'upstream', path: upstream.htpasswd(options.user) } } : undefined;
    const defaults: PlainConfig = {
      version: 0.1,
      log: { level: 'warn', accesslog: { disabled: false } },
      storage: { filesystem: { rootdirectory: upstream.root }, delete: { enabled: true } },
      http: { addr },
      health: { storagedriver: { enabled: false } },
      ...(auth ? { auth } : {}),
    };
    writeFileSync(upstream.configPath, stringify(mergeConfig(defaults, options.config)));
    return upstream.start();
  }

  get url(): string {
    return `http://${this.addr}`;
  }

  async start(): Promise<this> {
    const child = spawn(DISTRIBUTION, ['serve', this.configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('close', () => resolve()));
    child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    await waitForHttp(`${this.url}/v2/`);
    return this;
  }

  async stop(): Promise<void> {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), 5_000);
    await this.exited;
    clearTimeout(timer);
  }

  /** Access-log lines of requests `METHOD <path>` whose path matches (e.g. a blob's GETs). */
  requests(method: string, path: RegExp): string[] {
    return this.output
      .split('\n')
      .filter((line) => line.includes(`"${method} `))
      .filter((line) => path.test(line.slice(line.indexOf(`"${method} `) + method.length + 2).split(' ')[0]));
  }

  /** The path of a blob's data file in its storage (to corrupt it, as a disk might). */
  blobData(digest: string): string {
    const hex = digest.slice('sha256:'.length);
    return join(this.root, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
  }

  async dispose(): Promise<void> {
    await this.stop();
    this.dir.remove();
  }

  private htpasswd(user: { name: string; password: string }): string {
    const path = join(this.dir.path, 'htpasswd');
    writeFileSync(path, `${user.name}:${bcrypt.hashSync(user.password, 5)}\n`);
    return path;
  }
}
