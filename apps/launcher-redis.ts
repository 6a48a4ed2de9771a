// The launcher's own redis-server (`npm start` without a configured Redis): its data under the storage root
// (`<root>/_redis`, beside the registry's data, so two roots never share an AOF), and a lock there so that a
// second `npm start` on the same root refuses instead of running a second redis-server on the same AOF.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RegistryConfig } from '@app/config';

/** Where the local Redis keeps its AOF: `<storage root>/_redis` (`./data/_redis` with inmemory storage). */
export function redisDataDir(config: RegistryConfig, cwd = process.cwd()): string {
  const root = config.storage.driver === 'filesystem' ? config.storage.filesystem?.rootdirectory : undefined;
  return join(resolve(cwd, root ?? 'data'), '_redis');
}

/**
 * The AOF of earlier versions lived in `./data/redis` whatever the root; when the root is `./data` and only
 * the old directory exists, it moves into place (its events are not left behind).
 */
export function adoptLegacyDir(dir: string, cwd = process.cwd(), log: (message: string) => void): void {
  const legacy = join(cwd, 'data', 'redis');
  if (existsSync(dir) || !existsSync(legacy) || resolve(dir, '..') !== join(cwd, 'data')) return;
  renameSync(legacy, dir);
  log(`moved the local Redis data from ${legacy} to ${dir}`);
}

/** Why `pid` is taken to be running (signal 0 reaches it, or it exists under another user). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes `<dir>/launcher.pid` for this process, created exclusively. Held by a running launcher: the message
 * saying so (the caller stops); held by one that died: taken over. Returns the release function.
 */
export function lockRedisDir(dir: string): { release: () => void } | { refused: string } {
  mkdirSync(dir, { recursive: true });
  const lock = join(dir, 'launcher.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lock, `${process.pid}\n`, { flag: 'wx' });
      return { release: () => rmSync(lock, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number(readFileSync(lock, 'utf8').trim());
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && running(holder)) {
      return {
        refused:
          `another npm start (pid ${holder}) is running on this storage root; its Redis keeps its data in ${dir}.\n` +
          '  Stop it first (Ctrl-C in its terminal), or give this one another storage root ' +
          '(storage.filesystem.rootdirectory or REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY).',
      };
    }
    rmSync(lock, { force: true });
  }
  return { refused: `could not take the lock ${lock}` };
}
