import type { Redis } from 'ioredis';
import { redisConfigured, versionInfo, type RegistryConfig } from '@app/config';
import { createRedis } from '@app/redis';
import type { Logger } from '@app/logging';
import { PathNotFoundError, type StorageDriver } from '@app/storage';
import { StorageUnavailableError } from '../errors/index.js';

export interface CheckResult {
  status: 'ok' | 'failing';
  /** Milliseconds the check took. */
  latency: number;
  error?: string;
}

export interface HealthReport {
  status: 'ok' | 'unavailable';
  version: string;
  commit: string;
  instance: string;
  checks: Record<string, CheckResult>;
}

const CHECK_TIMEOUT_MS = 2_000;

/**
 * `/debug/health` (readiness): the storage driver answers a stat and a list of its root (distribution's
 * storagedriver check, which stats; the list finds an unreadable root; an empty root is healthy) and, when
 * Redis is configured, Redis answers PING. Each check is bounded by a timeout, so a hung backend reports
 * failing instead of hanging the probe. A storage outage the check finds first is logged (and so mailed) here.
 */
export class HealthChecks {
  private redis?: Redis;

  constructor(
    private readonly config: RegistryConfig,
    private readonly instance: string,
    private readonly storage?: StorageDriver,
    private readonly logger?: Logger,
  ) {}

  async report(): Promise<HealthReport> {
    const probes: [string, () => Promise<void>][] = [];
    const storage = this.storage;
    if (storage) probes.push([`storagedriver_${storage.name}`, () => this.checkStorage(storage)]);
    if (redisConfigured(this.config.redis)) probes.push(['redis', () => this.checkRedis()]);
    const results = await Promise.all(probes.map(([, probe]) => this.run(probe)));
    const checks = Object.fromEntries(probes.map(([name], index) => [name, results[index]]));
    const { version, commit } = versionInfo();
    const failing = results.some((check) => check.status !== 'ok');
    return { status: failing ? 'unavailable' : 'ok', version, commit, instance: this.instance, checks };
  }

  close(): void {
    this.redis?.disconnect();
  }

  private async run(check: () => Promise<void>): Promise<CheckResult> {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      });
      await Promise.race([check(), timeout]);
      return { status: 'ok', latency: elapsed(started) };
    } catch (error) {
      return { status: 'failing', latency: elapsed(started), error: (error as Error).message };
    } finally {
      clearTimeout(timer);
    }
  }

  private async checkStorage(storage: StorageDriver): Promise<void> {
    try {
      await storage.stat('/');
      await storage.list('/');
    } catch (error) {
      if (error instanceof PathNotFoundError) return;
      if (error instanceof StorageUnavailableError && error.first)
        this.logger?.error({ err: error, cause: error.detail }, 'health check: storage unavailable');
      throw error instanceof StorageUnavailableError ? new Error(error.reason) : error;
    }
  }

  private async checkRedis(): Promise<void> {
    this.redis ??= this.connect();
    const answer = await this.redis.ping();
    if (answer !== 'PONG') throw new Error(`unexpected answer to PING: ${answer}`);
  }

  /** `admin`: a PING waits for the connection (the first probe comes before it is up), bounded by the timeout. */
  private connect(): Redis {
    const name = `registry-health-${this.instance}`;
    const client = createRedis(this.config.redis, 'admin', { commandTimeout: CHECK_TIMEOUT_MS, name });
    client.on('error', () => undefined);
    return client;
  }
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 1000) / 1000;
}
