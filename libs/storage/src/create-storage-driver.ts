import type { StorageConfig } from '@app/config';
import { FilesystemDriver } from './filesystem.driver.js';
import { InMemoryDriver } from './inmemory.driver.js';
import { RadosDriver } from './rados/rados.driver.js';
import { S3Driver } from './s3/s3.driver.js';
import type { StorageDriver } from './storage-driver.js';

/**
 * The driver that `storage` names, not yet opened (`open()` connects and checks the bucket or pool).
 * filesystem.rootdirectory is resolved against the working directory (as distribution does) and created when
 * missing. `log` takes the s3 SDK's debug lines when storage.s3.loglevel is not off.
 */
export function createStorageDriver(storage: StorageConfig, log?: (message: string) => void): StorageDriver {
  switch (storage.driver) {
    case 'inmemory':
      return new InMemoryDriver();
    case 'filesystem':
      return new FilesystemDriver(storage.filesystem?.rootdirectory ?? '/var/lib/registry');
    case 's3':
      return new S3Driver(storage.s3!, log);
    case 'rados':
      return new RadosDriver(storage.rados!);
    default:
      throw new Error(`unknown storage driver ${String(storage.driver)}`);
  }
}

/** createStorageDriver, opened. */
export async function openStorageDriver(storage: StorageConfig, log?: (message: string) => void) {
  const driver = createStorageDriver(storage, log);
  await driver.open();
  return driver;
}
