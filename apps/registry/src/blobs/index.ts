export * from './storage-blob.service.js';
export * from './storage-upload.service.js';
export * from './upload-store.js';
export * from './byte-ranges.js';
export * from './client-disconnected.js';
export * from './locations.js';
export * from './read-only.js';
