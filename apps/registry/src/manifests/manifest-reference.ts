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

/**
 * A reference to read or delete by. A malformed tag names no manifest: 404 MANIFEST_UNKNOWN, as the OCI
 * conformance suite expects (and distribution's router answers); a malformed digest stays DIGEST_INVALID.
 */
export function parseExistingReference(reference: string): ManifestReference {
  if (!reference.includes(':') && !isTag(reference))
    throw new RegistryError('MANIFEST_UNKNOWN', undefined, { tag: reference.slice(0, 300) });
  return parseReference(reference);
}

/** The tags of `?tag=` on a manifest PUT (distribution-spec 1.1), each checked: TAG_INVALID (400). */
export function parseTagQuery(value: unknown): string[] {
  const tags = value === undefined ? [] : Array.isArray(value) ? (value as unknown[]) : [value];
  return tags.map((tag) => {
    if (typeof tag !== 'string' || !isTag(tag))
      // A query parser can make objects of `?tag[x]=`: never String() them (`{toString: ''}` throws).
      throw new RegistryError('TAG_INVALID', 'invalid tag', {
        tag: typeof tag === 'string' ? tag.slice(0, 300) : typeof tag,
      });
    return tag;
  });
}
