export * from './debug.module.js';
export * from './debug-listener.js';
export * from './debug-app.js';
