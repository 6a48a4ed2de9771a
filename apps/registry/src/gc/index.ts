export * from './garbage-collector.js';
export * from './gc-command.js';
export * from './repository-mark.js';
export * from './storage-walk.js';
export * from './blob-fence.js';
export * from './gc.module.js';
