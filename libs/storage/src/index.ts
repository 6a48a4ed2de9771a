export * from './storage-driver.js';
export * from './errors.js';
export * from './inmemory.driver.js';
export * from './filesystem.driver.js';
export * from './create-storage-driver.js';
export * from './storage.module.js';
export * from './s3/s3.driver.js';
export * from './rados/rados.driver.js';
