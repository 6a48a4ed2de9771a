import { tempDir } from '@app/testing';
import { FilesystemDriver } from '@app/storage';
import { driverConformance } from './driver-conformance.js';

driverConformance('filesystem', () => {
  const dir = tempDir('storage-fs-');
  return { driver: new FilesystemDriver(dir.path), teardown: () => dir.remove() };
});
