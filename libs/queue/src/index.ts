export * from './queue-names.js';
export * from './delivery-job.js';
export * from './redis-connection.js';
export * from './redis-keys.js';
