import { MediaTypes } from '@app/oci';
import { RegistryError } from '../errors/index.js';
import { bareMediaType } from './manifest-parser.js';

/**
 * What to serve for a GET/HEAD given the client's Accept list, as distribution's GetManifest decides
 * (registry/handlers/manifests.go), minus its schema1 conversions, which we do not support:
 * - an OCI manifest or OCI index is served only to a client that lists its type: otherwise 404
 *   MANIFEST_UNKNOWN (by tag and by digest alike, as distribution does);
 * - a Docker manifest list asked for by tag by a client that does not list it is replaced by its linux/amd64
 *   image manifest (distribution's fallback for old clients); without one, MANIFEST_UNKNOWN;
 * - a Docker schema2 manifest is served whatever the Accept list (distribution 2.8 would convert it to
 *   schema1 for a client without schema2; distribution 3 serves it as it is).
 */
export type AcceptDecision = 'stored' | 'platform-child';

/** The media types named by the Accept header(s): comma-separated, parameters (q=) ignored as distribution does. */
export function acceptedTypes(header: string | string[] | undefined): string[] {
  const values = Array.isArray(header) ? header : header === undefined ? [] : [header];
  return values.flatMap((value) => value.split(',')).flatMap((entry) => bareMediaType(entry) ?? []);
}

export function negotiate(storedType: string, accept: readonly string[], byTag: boolean): AcceptDecision {
  if (storedType === MediaTypes.ociManifest && !accept.includes(MediaTypes.ociManifest)) {
    throw new RegistryError('MANIFEST_UNKNOWN', 'OCI manifest found, but accept header does not support OCI manifests');
  }
  if (storedType === MediaTypes.ociIndex && !accept.includes(MediaTypes.ociIndex)) {
    throw new RegistryError('MANIFEST_UNKNOWN', 'OCI index found, but accept header does not support OCI indexes');
  }
  if (byTag && storedType === MediaTypes.dockerManifestList && !accept.includes(MediaTypes.dockerManifestList))
    return 'platform-child';
  return 'stored';
}

/** The child of a manifest list served instead of it: linux/amd64, distribution's default platform. */
export function defaultPlatformChild(content: Buffer): string {
  const list = JSON.parse(content.toString('utf8')) as {
    manifests?: { digest?: unknown; platform?: { architecture?: unknown; os?: unknown } }[];
  };
  const child = list.manifests?.find(
    (entry) => entry.platform?.architecture === 'amd64' && entry.platform?.os === 'linux',
  );
  if (typeof child?.digest !== 'string')
    throw new RegistryError(
      'MANIFEST_UNKNOWN',
      'manifest list has no linux/amd64 manifest for a client without manifest list support',
    );
  return child.digest;
}

/** The fallback child must itself be acceptable: a schema2 child needs a client that takes schema2 (no schema1 conversion). */
export function checkChildAccepted(childType: string, accept: readonly string[]): void {
  if (childType === MediaTypes.dockerManifest && !accept.includes(MediaTypes.dockerManifest)) {
    throw new RegistryError('MANIFEST_INVALID', 'Schema 2 manifest not supported by client');
  }
  negotiate(childType, accept, false);
}
