import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { freePort, tempDir, waitFor } from '@app/testing';

/** The project root (this file is test/support/app-process.ts). */
export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export type AppName = 'registry' | 'worker';

export interface AppProcessOptions {
  /** The configuration object, written as YAML to a temporary file passed as the first argument. */
  config: Record<string, unknown>;
  /** Extra environment (REGISTRY_* overrides, etc.), merged over the test's own environment. */
  env?: Record<string, string | undefined>;
  /** Resolves once the process is ready; the default for each app is in `startRegistry`/`startWorker`. */
  ready?: (process: AppProcess) => Promise<unknown>;
  /** How long `ready` may take (ms). */
  readyTimeout?: number;
}

/**
 * One built app (`dist/apps/<app>/src/main.js`) run as a real process, with its config in a temp file.
 * Collects stdout and stderr (the apps log to stdout); can be killed, stopped and restarted with the same
 * config. Tests must call `npm run build` first (`npm test` does); `assertBuilt()` says so clearly.
 */
export class AppProcess {
  output = '';
  private child?: ChildProcess;
  private exited?: Promise<number | null>;
  readonly configPath: string;
  private readonly dir: { path: string; remove(): void };

  constructor(
    readonly app: AppName,
    private readonly options: AppProcessOptions,
  ) {
    this.dir = tempDir(`${app}-cfg-`);
    this.configPath = join(this.dir.path, 'config.yml');
    writeFileSync(this.configPath, stringify(options.config));
  }

  /** The configuration as written to `configPath`. */
  get config(): Record<string, unknown> {
    return this.options.config;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  get exitCode(): number | null | undefined {
    return this.child?.exitCode;
  }

  /** Spawns the process (again) and waits until it is ready. */
  async start(): Promise<this> {
    assertBuilt(this.app);
    const child = spawn(process.execPath, [mainPath(this.app), this.configPath], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...this.options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    // 'close' (not 'exit'): it comes after stdout and stderr are drained, so `output` is complete.
    this.exited = new Promise((resolve) => child.once('close', (code) => resolve(code)));
    child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    const ready = this.options.ready ?? (() => Promise.resolve());
    try {
      await Promise.race([
        ready(this),
        this.exited.then((code) => {
          throw new Error(`${this.app} exited with code ${code} before it was ready:\n${this.output}`);
        }),
        timeout(this.options.readyTimeout ?? 20_000, `${this.app} not ready:\n${this.output}`),
      ]);
    } catch (error) {
      await this.kill();
      throw error;
    }
    return this;
  }

  /** Waits until a line of output matches. */
  async waitForOutput(pattern: RegExp | string, timeoutMs = 10_000): Promise<void> {
    const matches = () => (typeof pattern === 'string' ? this.output.includes(pattern) : pattern.test(this.output));
    await waitFor(matches, { timeout: timeoutMs, what: `${this.app} output ${pattern}` });
  }

  /** Sends a signal (SIGKILL by default: a crash) and waits for the exit; returns the exit code. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null | undefined> {
    if (!this.running) return this.child?.exitCode;
    this.child!.kill(signal);
    return this.exited;
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<number | null | undefined> {
    if (!this.running) return this.child?.exitCode;
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    try {
      return await this.kill('SIGTERM');
    } finally {
      clearTimeout(timer);
    }
  }

  async restart(): Promise<this> {
    await this.stop();
    return this.start();
  }

  /** Stops the process and removes the config folder. */
  async dispose(): Promise<void> {
    await this.stop();
    this.dir.remove();
  }
}

export function mainPath(app: AppName): string {
  return join(PROJECT_ROOT, 'dist', 'apps', app, 'src', 'main.js');
}

export function assertBuilt(app: AppName): void {
  if (!existsSync(mainPath(app))) throw new Error(`${mainPath(app)} is missing: run \`npm run build\` first`);
}

function timeout(ms: number, message: string): Promise<never> {
  return new Promise((_, reject) =>
    setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${message}`)), ms).unref(),
  );
}

/** A free loopback address `127.0.0.1:<port>`. */
export async function freeAddr(): Promise<string> {
  return `127.0.0.1:${await freePort()}`;
}
