export * from './storage-driver.js';
export * from './errors.js';
