import { createBucket, s3Storage } from '../support/index.js';
import { objectStorageSuite } from './object-storage-suite.js';

objectStorageSuite('s3', async (ceph) => {
  await createBucket(ceph, 'registry');
  return s3Storage(ceph, 'registry', { rootdirectory: '/e2e' });
});
