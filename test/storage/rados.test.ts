import { afterAll, beforeAll } from 'vitest';
import { fromObject } from '@app/config';
import { RadosDriver } from '@app/storage';
import { MicroCeph } from '@app/testing';
import { radosStorage } from '../support/index.js';
import { driverConformance } from './driver-conformance.js';

// The conformance suite on the rados driver against a real Ceph (librados over koffi): one pool, emptied
// before and after each test, a small chunksize (1 MiB) so that files span many data objects.
let ceph: MicroCeph;

beforeAll(async () => {
  ceph = await MicroCeph.start();
  await ceph.createPool('conformance');
}, 180_000);

afterAll(async () => {
  await ceph?.stop();
});

driverConformance('rados', async () => {
  const storage = { rados: radosStorage(ceph, 'conformance', { chunksize: 1024 * 1024 }) };
  const driver = new RadosDriver(fromObject({ version: '0.1', storage }).storage.rados!);
  await driver.open();
  await driver.delete('/');
  return {
    driver,
    teardown: async () => {
      await driver.delete('/').catch(() => undefined);
      await driver.close();
    },
  };
});
