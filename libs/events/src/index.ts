export * from './event.js';
export * from './timestamp.js';
export * from './envelope.js';
export * from './event-builder.js';
export * from './event-filter.js';
export * from './repository-glob.js';
