export * from './queue-names.js';
export * from './delivery-job.js';
export * from './mail-job.js';
export * from './event-log-job.js';
