import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanupAfterEach, MicroCeph } from '@app/testing';
import { createBucket, s3Storage, startRegistry } from '../support/index.js';

// The registry process on s3 against a real Ceph RGW when the store is not as configured: a missing bucket or a
// wrong secret stops the start with a message naming the key; an endpoint that goes down answers 503
// UNAVAILABLE, never "not found".
const cleanups = cleanupAfterEach(afterEach);
let ceph: MicroCeph;

beforeAll(async () => {
  ceph = await MicroCeph.start();
  await createBucket(ceph, 'present');
}, 180_000);

afterAll(async () => {
  await ceph?.stop();
});

async function failedStart(s3: Record<string, unknown>): Promise<string> {
  const error = await startRegistry({ config: { storage: { s3 } } }).then(
    (registry) => {
      cleanups.push(() => registry.dispose());
      return undefined;
    },
    (failure: Error) => failure,
  );
  expect(error).toBeDefined();
  return error!.message;
}

describe('registry on s3: errors of the store', () => {
  it('a missing bucket stops the start, naming storage.s3.bucket', async () => {
    expect(await failedStart(s3Storage(ceph, 'absent'))).toMatch(/storage\.s3\.bucket: no bucket absent at http/);
  });

  it('a wrong secret stops the start, naming storage.s3.accesskey', async () => {
    const message = await failedStart(s3Storage(ceph, 'present', { secretkey: 'wrong' }));
    expect(message).toMatch(/storage\.s3\.accesskey: .* refused access to bucket present/);
  });

  it('an endpoint that went down answers 503 UNAVAILABLE saying so', async () => {
    const registry = await startRegistry({ config: { storage: { s3: s3Storage(ceph, 'present') } } });
    cleanups.push(() => registry.dispose());
    expect((await fetch(`${registry.url}/v2/r/tags/list`)).status).toBe(404);
    await ceph.killGateway();
    const answer = await fetch(`${registry.url}/v2/r/tags/list`);
    expect(answer.status).toBe(503);
    const body = (await answer.json()) as { errors: Array<{ code: string; message: string }> };
    expect(body.errors[0]).toMatchObject({ code: 'UNAVAILABLE' });
    expect(JSON.stringify(body.errors[0])).toMatch(/s3 storage driver failed: ECONNREFUSED/);
  }, 60_000);
});
