import { afterEach, describe, expect, it, vi } from 'vitest';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { NestFactory } from '@nestjs/core';
import { ConfigModule, fromObject, type RegistryConfig } from '@app/config';
import { LoggerModule, type AppLogger } from '@app/logging';
import { FilesystemDriver, InMemoryDriver, StorageDriver, StorageModule } from '@app/storage';
import { tempDir } from '@app/testing';
import { digestOf } from '@app/oci';
import { Paths } from './paths.js';
import { UploadPurger } from './upload-purger.js';
import { RegistryStorageModule } from './registry-storage.module.js';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-11-20T12:00:00Z');
const OLD = 'aaaaaaaa-0000-4000-8000-000000000001';
const OLD_NESTED = 'aaaaaaaa-0000-4000-8000-000000000002';
const YOUNG = 'bbbbbbbb-0000-4000-8000-000000000001';
const NO_STARTEDAT = 'cccccccc-0000-4000-8000-000000000001';
const GARBLED = 'dddddddd-0000-4000-8000-000000000001';

function config(uploadpurging: Record<string, unknown>, readonly = false): RegistryConfig {
  return fromObject({
    version: '0.1',
    storage: { inmemory: {}, maintenance: { uploadpurging, readonly: { enabled: readonly } } },
  });
}

function logger(): { logger: AppLogger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink) as AppLogger, lines };
}

async function session(driver: StorageDriver, repository: string, id: string, startedAt?: string): Promise<void> {
  if (startedAt !== undefined) await driver.putContent(Paths.uploadStartedAt(repository, id), Buffer.from(startedAt));
  await driver.putContent(Paths.uploadData(repository, id), Buffer.from('partial upload'));
}

/** Sessions of every kind, plus a blob and links that purging must not touch. */
async function seed(driver: StorageDriver): Promise<void> {
  await session(driver, 'library/ubuntu', OLD, new Date(NOW - 200 * HOUR).toISOString());
  await session(driver, 'a/b/c', OLD_NESTED, '2026-11-01T00:00:00.123456789Z');
  await session(driver, 'library/ubuntu', YOUNG, new Date(NOW - 2 * HOUR).toISOString());
  await session(driver, 'library', NO_STARTEDAT);
  await session(driver, 'library', GARBLED, 'yesterday-ish');
  const digest = digestOf('blob');
  await driver.putContent(Paths.blobData(digest), Buffer.from('blob'));
  await driver.putContent(Paths.layerLink('library/ubuntu', digest), Buffer.from(digest));
  await driver.putContent(Paths.tagCurrentLink('library/ubuntu', 'latest'), Buffer.from(digest));
}

async function remaining(driver: StorageDriver): Promise<string[]> {
  const ids: string[] = [];
  for (const name of ['r', 'library', 'library/ubuntu', 'a/b/c']) {
    const list = await driver.list(Paths.uploadsDir(name)).catch(() => []);
    ids.push(...list.map((path) => path.slice(path.lastIndexOf('/') + 1)));
  }
  return ids.sort();
}

afterEach(() => {
  vi.useRealTimers();
});

describe.each<[string, () => { driver: StorageDriver; done(): void }]>([
  ['inmemory', () => ({ driver: new InMemoryDriver(), done: () => undefined })],
  [
    'filesystem',
    () => {
      const dir = tempDir('upload-purger-');
      return { driver: new FilesystemDriver(dir.path), done: dir.remove };
    },
  ],
])('UploadPurger.purge on %s', (_name, make) => {
  it('removes sessions older than age in every repository, keeps young, unstamped and unreadable ones', async () => {
    const { driver, done } = make();
    try {
      await seed(driver);
      const purger = new UploadPurger(driver, config({ age: '168h' }), logger().logger);
      const report = await purger.purge(NOW);
      expect(report.purged).toEqual(
        expect.arrayContaining([
          { repository: 'a/b/c', id: OLD_NESTED },
          { repository: 'library/ubuntu', id: OLD },
        ]),
      );
      expect(report.purged).toHaveLength(2);
      expect(report.errors).toEqual([expect.objectContaining({ repository: 'library', id: GARBLED })]);
      expect(await remaining(driver)).toEqual([GARBLED, NO_STARTEDAT, YOUNG].sort());
      await expect(driver.stat(Paths.uploadDir('library/ubuntu', OLD))).rejects.toThrow();
      expect((await driver.getContent(Paths.blobData(digestOf('blob')))).toString()).toBe('blob');
      expect(await driver.list(Paths.tagsDir('library/ubuntu'))).toHaveLength(1);
    } finally {
      done();
    }
  });

  it('dryrun reports what it would remove and removes nothing', async () => {
    const { driver, done } = make();
    try {
      await seed(driver);
      const purger = new UploadPurger(driver, config({ age: '168h', dryrun: true }), logger().logger);
      expect((await purger.purge(NOW)).purged).toHaveLength(2);
      expect(await remaining(driver)).toHaveLength(5);
    } finally {
      done();
    }
  });

  it('an empty storage purges nothing', async () => {
    const { driver, done } = make();
    try {
      expect(await new UploadPurger(driver, config({}), logger().logger).purge(NOW)).toEqual({
        purged: [],
        errors: [],
      });
    } finally {
      done();
    }
  });
});

describe('UploadPurger schedule (clock mocked)', () => {
  async function started(uploadpurging: Record<string, unknown>, readonly = false) {
    vi.useFakeTimers({ now: NOW });
    const driver = new InMemoryDriver();
    await session(driver, 'r', OLD, new Date(NOW - 2 * HOUR).toISOString());
    const log = logger();
    const purger = new UploadPurger(
      driver,
      config({ age: '1h', interval: '10m', ...uploadpurging }, readonly),
      log.logger,
    );
    purger.onApplicationBootstrap();
    return { driver, purger, lines: log.lines };
  }

  it('runs first within 30 s of start, then every interval, until shutdown', async () => {
    const { driver, purger, lines } = await started({});
    await vi.advanceTimersByTimeAsync(30_000);
    expect(await remaining(driver)).toEqual([]);
    expect(lines.filter((line) => line.msg === 'upload purge done')).toHaveLength(1);
    expect(lines[0]).toMatchObject({ purged: 1, sessions: [`r/${OLD}`] });

    await session(driver, 'library', OLD, new Date(Date.now() - 2 * HOUR).toISOString());
    await vi.advanceTimersByTimeAsync(9 * 60_000);
    expect(await remaining(driver)).toEqual([OLD]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await remaining(driver)).toEqual([]);

    await purger.onApplicationShutdown();
    const runs = lines.length;
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    expect(lines.length).toBe(runs);
  });

  it('the first run comes no later than the interval when that is shorter', async () => {
    const { driver } = await started({ interval: '2s' });
    await vi.advanceTimersByTimeAsync(2_000);
    expect(await remaining(driver)).toEqual([]);
  });

  it('does nothing when disabled or in read-only mode', async () => {
    for (const [settings, readonly] of [
      [{ enabled: false }, false],
      [{}, true],
    ] as const) {
      const { driver, lines, purger } = await started(settings, readonly);
      await vi.advanceTimersByTimeAsync(24 * HOUR);
      expect(await remaining(driver)).toEqual([OLD]);
      expect(lines.map((line) => line.msg)).toEqual(readonly ? ['upload purging is off in read-only mode'] : []);
      await purger.onApplicationShutdown();
      vi.useRealTimers();
    }
  });

  it('a failing run is logged at warn and retried after the interval', async () => {
    const { driver, lines } = await started({});
    const list = driver.list.bind(driver);
    let failures = 1;
    vi.spyOn(driver, 'list').mockImplementation(async (path) => {
      if (failures-- > 0) throw new Error('storage unavailable');
      return list(path);
    });
    await vi.advanceTimersByTimeAsync(30_000);
    expect(lines.at(-1)).toMatchObject({ level: 40, msg: 'upload purge failed; next try after the interval' });
    expect(await remaining(driver)).toEqual([OLD]);
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(await remaining(driver)).toEqual([]);
  });
});

describe('UploadPurger in the registry storage module', () => {
  it('is created with the app, over the configured driver, and stops with it', async () => {
    const settings = config({ age: '1h' });
    const app = await NestFactory.createApplicationContext(
      {
        module: class TestModule {},
        imports: [
          ConfigModule.forRoot(settings),
          LoggerModule.forRoot(logger().logger),
          StorageModule.forRoot(settings),
          RegistryStorageModule,
        ],
      },
      { logger: false },
    );
    try {
      const driver = app.get(StorageDriver);
      await session(driver, 'r', OLD, new Date(Date.now() - 2 * HOUR).toISOString());
      expect((await app.get(UploadPurger).purge()).purged).toEqual([{ repository: 'r', id: OLD }]);
    } finally {
      await app.close();
    }
  });
});
