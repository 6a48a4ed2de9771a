import { isTag, parseDigest } from '@app/oci';
import { RegistryError } from '../errors/index.js';

/** A manifest reference from the URL: a tag or a digest, never both. */
export type ManifestReference = { tag: string; digest?: undefined } | { digest: string; tag?: undefined };

/**
 * Anything with a ':' is meant as a digest (a tag cannot hold one): DIGEST_INVALID when malformed or of an
 * unsupported algorithm. Otherwise it must match the tag grammar: TAG_INVALID. So a reference that reaches
 * a storage path is always one path segment of safe characters.
 */
export function parseReference(reference: string): ManifestReference {
  if (reference.includes(':')) {
    if (!parseDigest(reference))
      throw new RegistryError('DIGEST_INVALID', 'invalid digest', { digest: reference.slice(0, 300) });
    return { digest: reference };
  }
  if (!isTag(reference)) throw new RegistryError('TAG_INVALID', 'invalid tag', { tag: reference.slice(0, 300) });
  return { tag: reference };
}
