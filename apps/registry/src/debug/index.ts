export * from './debug.module.js';
export * from './debug-server.js';
export * from './debug-router.js';
