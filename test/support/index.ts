export * from './app-process.js';
export * from './apps.js';
export * from './oci-layout.js';
export * from './skopeo.js';
export * from './registry-client.js';
export * from './distribution.js';
export * from './upstream-relay.js';
export * from './object-storage.js';
