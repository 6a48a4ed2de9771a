import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startRegistry, startWorker } from '../support/index.js';
import { SmtpSink } from './smtp-sink.js';
import { cleanRedis, uniquePrefix } from './support.js';

const PASSWORD = 'Registry-Smtp-Pa55';

// The built registry and worker as real processes sharing one config: the registry's error path logs the 500,
// its mail hook hands it to Redis, the worker's consumer mails it.
describe('registry process: a request that hits a storage failure (503) is mailed once; 4xx are not', () => {
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
  });

  it('one mail with method, path, request id, status and stack; nothing for 404/400 answers; no password in the logs', async () => {
    const smtp = await SmtpSink.start({ auth: { username: 'alerts', password: PASSWORD, methods: ['LOGIN'] } });
    cleanups.push(() => smtp.stop());
    const prefix = uniquePrefix();
    cleanups.push(() => cleanRedis(prefix));
    const shared = {
      redis: { addr: '127.0.0.1:6379', prefix },
      log: {
        level: 'warn',
        formatter: 'json',
        hooks: [
          {
            type: 'mail',
            options: {
              smtp: { addr: smtp.addr, username: 'alerts', password: PASSWORD },
              from: 'registry@example.test',
              to: 'ops@example.test',
              window: '2s',
            },
          },
        ],
      },
    };
    const registry = await startRegistry({ config: shared });
    cleanups.push(() => registry.dispose());
    const worker = await startWorker({
      config: {
        ...shared,
        log: { ...shared.log, level: 'info' },
        storage: { filesystem: { rootdirectory: registry.root } },
      },
    });
    cleanups.push(() => worker.dispose());

    const unknownBlob = await fetch(`${registry.url}/v2/library/app/blobs/sha256:${'0'.repeat(64)}`);
    expect(unknownBlob.status).toBe(404);
    expect((await fetch(`${registry.url}/v2/library/app/blobs/not-a-digest`)).status).toBe(400);

    const started = await fetch(`${registry.url}/v2/library/app/blobs/uploads/`, { method: 'POST' });
    expect(started.status).toBe(202);
    const uploads = join(registry.root!, 'docker/registry/v2/repositories/library/app/_uploads');
    const [upload] = readdirSync(uploads);
    // The upload's data file becomes a directory: the next write fails in the storage driver (EISDIR).
    rmSync(join(uploads, upload, 'data'), { force: true });
    mkdirSync(join(uploads, upload, 'data'));
    const failed = await fetch(new URL(started.headers.get('location')!, registry.url), {
      method: 'PATCH',
      body: Buffer.from('some bytes'),
      headers: { 'content-type': 'application/octet-stream', 'content-range': '0-9' },
    });
    expect(failed.status).toBe(503);

    const [{ mail }] = await smtp.waitForMails(1, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(smtp.received).toHaveLength(1);
    const errorLine = registry.output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => line.level === 'error' && line.status === 503)!;
    expect(errorLine).toMatchObject({
      method: 'PATCH',
      path: `/v2/library/app/blobs/uploads/${upload}`,
      msg: 'request failed with 503',
    });
    const requestId = String(errorLine.requestId);
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(mail.subject).toMatch(
      /^\[registry\] error in registry: request failed with 503: storage unavailable .*EISDIR/,
    );
    for (const part of [
      `requestId: ${requestId}`,
      'method: PATCH',
      `path: /v2/library/app/blobs/uploads/${upload}`,
      'status: 503',
      'app: registry',
      'stack:',
      'EISDIR',
    ]) {
      expect(mail.text).toContain(part);
    }
    expect(registry.output + worker.output).not.toContain(PASSWORD);
  }, 60_000);
});
