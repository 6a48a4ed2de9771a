import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { RegistryConfig } from '@app/config';
import { AppLogger } from '@app/logging';
import { PathNotFoundError, StorageDriver } from '@app/storage';
import { Paths } from './paths.js';

/** One upload session found in storage. */
export interface UploadSession {
  repository: string;
  id: string;
}

export interface PurgeReport {
  /** Sessions removed (with `dryrun`: that would have been removed). */
  purged: UploadSession[];
  /** Sessions kept because their start time could not be read or they could not be removed, with why. */
  errors: Array<UploadSession & { error: string }>;
}

/**
 * The first run comes this long after start, plus up to FIRST_RUN_JITTER, so that several registry
 * processes over one storage do not all walk it at the same moment (distribution waits 0–60 min).
 */
const FIRST_RUN_DELAY = 5_000;
const FIRST_RUN_JITTER = 25_000;

/**
 * storage.maintenance.uploadpurging (distribution's PurgeUploads): every `interval` removes the upload
 * sessions (`_uploads/<id>/`) that started more than `age` ago; `dryrun` only logs them. A session without a
 * `startedat` file is kept, as distribution does; purging is off in read-only mode.
 */
@Injectable()
export class UploadPurger implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopped = false;

  constructor(
    private readonly driver: StorageDriver,
    private readonly config: RegistryConfig,
    private readonly logger: AppLogger,
  ) {}

  onApplicationBootstrap(): void {
    const { uploadpurging, readonly } = this.config.storage.maintenance;
    if (!uploadpurging.enabled) return;
    if (readonly.enabled) {
      this.logger.info('upload purging is off in read-only mode');
      return;
    }
    this.schedule(Math.min(uploadpurging.interval, FIRST_RUN_DELAY + Math.floor(Math.random() * FIRST_RUN_JITTER)));
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Removes (or, with dryrun, lists) the sessions started before `now - age`. */
  async purge(now = Date.now()): Promise<PurgeReport> {
    const { age, dryrun } = this.config.storage.maintenance.uploadpurging;
    const report: PurgeReport = { purged: [], errors: [] };
    for await (const session of this.sessions(Paths.repositoriesRoot(), '')) {
      try {
        const startedAt = await this.startedAt(session);
        if (startedAt === undefined || startedAt > now - age) continue;
        if (!dryrun) await this.remove(session);
        report.purged.push(session);
      } catch (error) {
        report.errors.push({ ...session, error: (error as Error).message });
      }
    }
    return report;
  }

  private schedule(delay: number): void {
    this.timer = setTimeout(() => void this.run(), delay);
    this.timer.unref();
  }

  private async run(): Promise<void> {
    const { interval, dryrun } = this.config.storage.maintenance.uploadpurging;
    const started = Date.now();
    const running = this.purge();
    this.running = running.catch(() => undefined);
    try {
      const { purged, errors } = await running;
      const sessions = purged.map(({ repository, id }) => `${repository}/${id}`);
      this.logger.info(
        { purged: purged.length, dryrun, sessions: sessions.slice(0, 100), ms: Date.now() - started },
        dryrun ? 'upload purge (dry run): would remove these sessions' : 'upload purge done',
      );
      for (const { repository, id, error } of errors)
        this.logger.warn({ repository, id, error }, 'upload purge: session kept');
    } catch (error) {
      this.logger.warn({ err: error }, 'upload purge failed; next try after the interval');
    } finally {
      this.running = undefined;
      if (!this.stopped) this.schedule(interval);
    }
  }

  /**
   * Every session under `dir`, walking repository names: a name's components never start with '_' (the
   * grammar), so `_uploads` holds sessions and other `_` directories (links, manifests) are not entered.
   */
  private async *sessions(dir: string, name: string): AsyncGenerator<UploadSession> {
    for (const child of await this.children(dir)) {
      const base = child.slice(child.lastIndexOf('/') + 1);
      if (name && child === Paths.uploadsDir(name)) {
        for (const session of await this.children(child))
          yield { repository: name, id: session.slice(session.lastIndexOf('/') + 1) };
      } else if (!base.startsWith('_')) {
        yield* this.sessions(child, name ? `${name}/${base}` : base);
      }
    }
  }

  /** Start time in ms; undefined when the session has no `startedat` (kept, like distribution). */
  private async startedAt({ repository, id }: UploadSession): Promise<number | undefined> {
    let text: string;
    try {
      text = (await this.driver.getContent(Paths.uploadStartedAt(repository, id))).toString('utf8').trim();
    } catch (error) {
      if (error instanceof PathNotFoundError) return undefined;
      throw error;
    }
    const time = Date.parse(text);
    if (Number.isNaN(time)) throw new Error(`startedat is not a time: ${JSON.stringify(text.slice(0, 40))}`);
    return time;
  }

  private async remove({ repository, id }: UploadSession): Promise<void> {
    await this.driver.delete(Paths.uploadDir(repository, id)).catch((error: unknown) => {
      if (!(error instanceof PathNotFoundError)) throw error;
    });
  }

  private async children(dir: string): Promise<string[]> {
    try {
      return await this.driver.list(dir);
    } catch (error) {
      if (error instanceof PathNotFoundError) return [];
      throw error;
    }
  }
}
