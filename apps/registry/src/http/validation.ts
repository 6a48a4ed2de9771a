import { isRepositoryName, parseDigest } from '@app/oci';
import { RegistryError } from '../errors/index.js';

/**
 * Parsing of path and query values shared by the controllers. Everything that reaches a repository
 * service (and so a storage path) passes through here first: a name that breaks the spec's grammar is
 * NAME_INVALID, a malformed or unsupported digest DIGEST_INVALID, so no input can name a path outside
 * the storage root and nothing malformed reaches a 500.
 */

/** The repository name, or NAME_INVALID (400). */
export function repositoryName(name: unknown): string {
  if (typeof name !== 'string' || !isRepositoryName(name)) {
    throw new RegistryError('NAME_INVALID', 'invalid repository name', {
      name: typeof name === 'string' ? name.slice(0, 300) : undefined,
    });
  }
  return name;
}

/** A digest (`sha256:<64 hex>` or `sha512:<128 hex>`), or DIGEST_INVALID (400). */
export function digestParam(digest: unknown): string {
  if (typeof digest !== 'string' || !parseDigest(digest)) {
    throw new RegistryError('DIGEST_INVALID', 'invalid digest', {
      digest: typeof digest === 'string' ? digest.slice(0, 300) : undefined,
    });
  }
  return digest;
}

/** A single query value: the first one when a key is repeated (Express then gives an array). */
export function queryValue(value: unknown): string | undefined {
  if (Array.isArray(value)) return typeof value[0] === 'string' ? value[0] : undefined;
  return typeof value === 'string' ? value : undefined;
}
