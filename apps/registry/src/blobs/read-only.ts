import type { RegistryConfig } from '@app/config';
import { RegistryError } from '../errors/index.js';

/**
 * `storage.maintenance.readonly.enabled`: as in distribution, every write (upload, mount, delete) is
 * refused with 405 UNSUPPORTED while reads go on.
 */
export function assertWritable(config: RegistryConfig): void {
  if (config.storage.maintenance.readonly.enabled) {
    throw new RegistryError('UNSUPPORTED', 'the registry is in read-only mode (storage.maintenance.readonly)');
  }
}
