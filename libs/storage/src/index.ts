export * from './storage-driver.js';
export * from './errors.js';
export * from './inmemory.driver.js';
export * from './filesystem.driver.js';
export * from './create-storage-driver.js';
export * from './storage.module.js';
