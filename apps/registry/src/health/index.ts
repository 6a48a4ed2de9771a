export * from './health-checks.js';
export * from './health.module.js';
export * from './health.controller.js';
export * from './storage-outage-driver.js';
