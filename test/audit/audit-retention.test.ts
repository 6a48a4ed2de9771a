import { afterAll, describe, expect, it } from 'vitest';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { pino } from 'pino';
import { AuditStore, auditEvent, auditLocation, eventRow } from '@app/audit';
import { ConfigModule } from '@app/config';
import { LoggerModule } from '@app/logging';
import { deleteKeys, tempDir, testRedisClient, testRedisConfig, waitFor } from '@app/testing';
import { EventLogModule } from '../../apps/worker/src/event-log/event-log.module.js';

// `audit.retention` as the worker enforces it: rows older than it are deleted from the database at start.

const dir = tempDir('audit-retention-');
afterAll(() => dir.remove());

describe('audit.retention', () => {
  it('deletes the rows older than the retention when the worker starts, and keeps the others', async () => {
    const config = testRedisConfig({ audit: { retention: '24h', path: `${dir.path}/audit.db` } });
    const store = AuditStore.open(auditLocation(config));
    const old = eventRow(auditEvent({ at: Date.now() - 49 * 3_600_000, action: 'pull', repository: 'a/b' }));
    const recent = eventRow(auditEvent({ at: Date.now() - 23 * 3_600_000, action: 'pull', repository: 'a/b' }));
    await store.insert([old, recent]);
    @Module({
      imports: [ConfigModule.forRoot(config), LoggerModule.forRoot(pino({ level: 'silent' })), EventLogModule],
    })
    class Worker {}
    const worker = await NestFactory.createApplicationContext(Worker, { logger: false });
    await worker.init();
    try {
      const ids = await waitFor(
        async () => {
          const rows = (await store.page({}, { limit: 10 })).rows.map((row) => row.id);
          return rows.length === 1 && rows;
        },
        { what: 'the old row deleted' },
      );
      expect(ids).toEqual([recent.id]);
    } finally {
      await worker.close();
      await store.close();
      const redis = testRedisClient(config);
      await deleteKeys(redis, config.redis.prefix);
      await redis.quit();
    }
  });
});
