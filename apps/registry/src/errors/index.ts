export * from './error-codes.js';
export * from './registry-error.js';
export * from './registry-error.filter.js';
export * from './storage-unavailable.js';
