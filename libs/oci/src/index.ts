export * from './digest.js';
export * from './names.js';
export * from './media-types.js';
