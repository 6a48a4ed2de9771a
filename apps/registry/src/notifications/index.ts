export * from './notifications.module.js';
export * from './event-sink.js';
