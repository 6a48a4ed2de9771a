export * from './paths.js';
export * from './blob-store.js';
export * from './link-store.js';
export * from './upload-purger.js';
export * from './registry-storage.module.js';
