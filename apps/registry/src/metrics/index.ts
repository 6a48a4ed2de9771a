export * from './instrumented-storage-driver.js';
