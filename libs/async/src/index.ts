export * from './with-timeout.js';
export * from './group-commit.js';
