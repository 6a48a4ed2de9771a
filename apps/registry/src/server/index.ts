export * from './registry-listener.js';
export * from './http-secret.js';
export * from './access-log.js';
export * from './route-name.js';
export * from './shutdown.js';
export * from './server.module.js';
export * from './request-metrics.js';
export * from './api-version.js';
