export * from './ports.js';
export * from './temp-dir.js';
export * from './redis-server.js';
export * from './http-receiver.js';
export * from './test-redis.js';
export * from './redis-sentinel.js';
export * from './micro-ceph.js';
