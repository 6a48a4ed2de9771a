import { radosStorage } from '../support/index.js';
import { objectStorageSuite } from './object-storage-suite.js';

objectStorageSuite('rados', async (ceph) => {
  await ceph.createPool('registry');
  return radosStorage(ceph, 'registry');
});
