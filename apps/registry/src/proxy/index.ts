export * from './proxy.module.js';
export * from './proxy-cache.js';
export * from './proxy-tag-listing.js';
