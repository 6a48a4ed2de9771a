export * from './blob-descriptor-cache.js';
export * from './cached-blob-statter.js';
export * from './cache.module.js';
