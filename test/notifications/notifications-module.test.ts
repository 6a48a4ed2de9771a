import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigModule, type RegistryConfig } from '@app/config';
import { LoggerModule } from '@app/logging';
import { tempDir, waitFor } from '@app/testing';
import { NotificationsModule } from '../../apps/registry/src/notifications/index.js';
import { NotificationPipeline } from '../../apps/registry/src/notifications/notification-pipeline.js';
import { RepositoryDecorator, UploadService } from '../../apps/registry/src/repository/index.js';
import {
  blob,
  CommittingUploads,
  endpoint,
  RedisInspector,
  silentLogger,
  testConfig,
  uniquePrefix,
} from './support.js';

/** What the repository area does: import NotificationsModule and decorate in a factory provider. */
function appModule(config: RegistryConfig): DynamicModule {
  @Module({})
  class TestRepositoryModule {}
  return {
    module: TestRepositoryModule,
    imports: [ConfigModule.forRoot(config), LoggerModule.forRoot(silentLogger), NotificationsModule],
    providers: [
      {
        provide: UploadService,
        useFactory: (decorator: RepositoryDecorator) => decorator.uploads(new CommittingUploads()),
        inject: [RepositoryDecorator],
      },
    ],
  };
}

const ctx = {
  id: 'req-1',
  addr: '127.0.0.1:40000',
  host: 'reg:5000',
  method: 'PUT',
  useragent: 'test',
  baseUrl: 'http://reg:5000',
};

describe('NotificationsModule', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('decorates without Redis or endpoints, and connects to nothing', async () => {
    const spool = tempDir('spool-');
    cleanups.push(() => spool.remove());
    const app = await NestFactory.createApplicationContext(appModule(testConfig({ spooldir: spool.path })), {
      logger: false,
    });
    cleanups.push(() => app.close());
    const uploads = app.get(UploadService);
    await expect(uploads.commit(ctx, 'golden/app', 'u', blob(1).digest)).resolves.toMatchObject({
      digest: blob(1).digest,
    });
    expect(app.get(NotificationPipeline).queues).toBeUndefined();
  });

  it('refuses to start with endpoints but no Redis, naming the key', async () => {
    const spool = tempDir('spool-');
    cleanups.push(() => spool.remove());
    await expect(
      NestFactory.createApplicationContext(
        appModule(testConfig({ spooldir: spool.path, endpoints: [endpoint('a')] })),
        { logger: false, abortOnError: false },
      ),
    ).rejects.toThrow(/redis\.addr/);
  });

  it('wires the decorator to the broadcaster: a committed upload becomes a delivery job and a log entry', async () => {
    const spool = tempDir('spool-');
    const prefix = uniquePrefix();
    const redis = new RedisInspector('127.0.0.1:6379', prefix);
    cleanups.push(
      () => spool.remove(),
      () => redis.cleanup(),
    );
    const app = await NestFactory.createApplicationContext(
      appModule(
        testConfig({ redisAddr: '127.0.0.1:6379', prefix, spooldir: spool.path, endpoints: [endpoint('hook')] }),
      ),
      { logger: false },
    );
    await app.init();
    cleanups.push(() => app.close());
    await waitFor(() => app.get(NotificationPipeline).queues!.ready, { what: 'the producer connection' });
    await app.get(UploadService).commit(ctx, 'golden/app', 'u', blob(3).digest);
    const [job] = await redis.jobs('hook');
    expect(job.events).toHaveLength(1);
    expect(job.events[0]).toMatchObject({
      action: 'push',
      target: {
        digest: blob(3).digest,
        repository: 'golden/app',
        url: `http://reg:5000/v2/golden/app/blobs/${blob(3).digest}`,
      },
      source: { addr: expect.stringMatching(/:5999$/) },
    });
    expect(job.id).toBe(job.events[0].id);
    expect((await redis.eventLog()).map((event) => event.id)).toEqual([job.id]);
  });
});
