export * from './audit-row.js';
export * from './audit-schema.js';
export * from './audit-database.js';
export * from './audit-filter.js';
export * from './audit-store.js';
export * from './audit-testing.js';
