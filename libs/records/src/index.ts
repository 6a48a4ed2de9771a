export * from './delivery-keys.js';
export * from './redis-keys.js';
export * from './attempt-history.js';
export * from './endpoint-state.js';
export * from './dead-letter-store.js';
export * from './delivery-metrics.js';
export * from './event-log.js';
export * from './admin/index.js';
