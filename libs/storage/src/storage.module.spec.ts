import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { fromObject } from '@app/config';
import { tempDir } from '@app/testing';
import { StorageModule } from './storage.module.js';
import { StorageDriver } from './storage-driver.js';
import { FilesystemDriver } from './filesystem.driver.js';
import { InMemoryDriver } from './inmemory.driver.js';

/** A consumer in another module, as the registry's stores are: it gets the driver by the abstract class. */
@Injectable()
class Consumer {
  constructor(readonly driver: StorageDriver) {}
}

@Module({ providers: [Consumer] })
class ConsumerModule {}

async function driverFor(storage: Record<string, unknown>): Promise<StorageDriver> {
  const config = fromObject({ version: '0.1', storage });
  const app = await NestFactory.createApplicationContext(
    { module: class AppModule {}, imports: [StorageModule.forRoot(config), ConsumerModule] },
    { logger: false },
  );
  const driver = app.get(Consumer).driver;
  await app.close();
  return driver;
}

describe('StorageModule.forRoot', () => {
  it('provides the inmemory driver when storage.inmemory is configured', async () => {
    expect(await driverFor({ inmemory: {} })).toBeInstanceOf(InMemoryDriver);
  });

  it('provides the filesystem driver at an absolute root, created when missing', async () => {
    const dir = tempDir('storage-module-');
    const cwd = process.cwd();
    try {
      process.chdir(dir.path);
      const driver = await driverFor({ filesystem: { rootdirectory: './data/registry' }, delete: { enabled: true } });
      expect(driver).toBeInstanceOf(FilesystemDriver);
      expect((driver as FilesystemDriver).root).toBe(join(dir.path, 'data/registry'));
      expect(existsSync(join(dir.path, 'data/registry'))).toBe(true);
    } finally {
      process.chdir(cwd);
      dir.remove();
    }
  });
});
