import type { AuditStore } from '@app/audit';
import type { AppLogger } from '@app/logging';

const HOUR_MS = 3_600_000;

/**
 * `audit.retention`, enforced in the database: rows older than it are deleted at start and then every
 * hour (every tenth of the retention when that is shorter). A database that is down is pruned next time.
 */
export class AuditRetention {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly store: AuditStore,
    private readonly retentionMs: number,
    private readonly logger: AppLogger,
  ) {}

  start(): void {
    this.running = this.prune();
    this.timer = setInterval(
      () => (this.running = this.prune()),
      Math.max(1_000, Math.min(HOUR_MS, this.retentionMs / 10)),
    );
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Deletes what is past the retention; returns how many rows. */
  async prune(now = Date.now()): Promise<void> {
    try {
      const deleted = await this.store.prune(now - this.retentionMs);
      if (deleted > 0) this.logger.info({ deleted }, 'audit: rows past audit.retention deleted');
    } catch (error) {
      this.logger.warn({ err: error }, 'audit: retention not enforced this time (database unreachable?)');
    }
  }
}
