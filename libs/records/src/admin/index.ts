export * from './admin.module.js';
export * from './admin-options.js';
export * from './admin-queues.js';
export * from './admin.service.js';
export * from './endpoint-overviews.js';
export * from './redelivery.js';
export * from './delivery-metrics.collector.js';
