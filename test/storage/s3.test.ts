import { afterAll, beforeAll } from 'vitest';
import { fromObject } from '@app/config';
import { S3Driver } from '@app/storage';
import { MicroCeph } from '@app/testing';
import { createBucket, s3Storage } from '../support/index.js';
import { driverConformance } from './driver-conformance.js';

// The conformance suite on the s3 driver against a real Ceph RGW: one bucket, each test under its own
// rootdirectory (an empty store), the smallest chunksize (5 MiB) so that 64 MiB go out as 13 parts.
let ceph: MicroCeph;
let tests = 0;

beforeAll(async () => {
  ceph = await MicroCeph.start();
  await createBucket(ceph, 'conformance');
}, 180_000);

afterAll(async () => {
  await ceph?.stop();
});

driverConformance(
  's3',
  async () => {
    const s3 = s3Storage(ceph, 'conformance', { chunksize: 5 * 1024 * 1024, rootdirectory: `/t${++tests}` });
    const driver = new S3Driver(fromObject({ version: '0.1', storage: { s3 } }).storage.s3!);
    await driver.open();
    return { driver, teardown: () => driver.close() };
  },
  { hierarchy: 'keys' },
);
