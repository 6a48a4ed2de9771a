export * from './auth.module.js';
export * from './access-controller.js';
export * from './access.js';
