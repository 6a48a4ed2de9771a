export * from './request-context.js';
export * from './repository.js';
export * from './repository-decorator.js';
