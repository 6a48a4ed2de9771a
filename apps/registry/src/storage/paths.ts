import { parseDigest } from '@app/oci';

/**
 * The one place that knows the storage layout. It is distribution's, so an existing registry:2 root
 * directory can be served as it is:
 *
 *   /docker/registry/v2/
 *   ├── blobs/<algorithm>/<first two hex>/<hex>/data            content, addressed by digest (blobs and manifests)
 *   └── repositories/<name>/
 *       ├── _layers/<algorithm>/<hex>/link                      blob linked into the repository ("<digest>")
 *       ├── _manifests/
 *       │   ├── revisions/<algorithm>/<hex>/link                manifest revision present in the repository
 *       │   ├── tags/<tag>/current/link                         digest the tag points at
 *       │   ├── tags/<tag>/index/<algorithm>/<hex>/link         every digest the tag has pointed at
 *       │   └── referrers/<algorithm>/<subject hex>/<algorithm>/<hex>/link   (ours) manifests whose subject is <subject>
 *       └── _uploads/<uuid>/
 *           ├── data                                            bytes received so far
 *           └── startedat                                       RFC 3339 start time (upload purging)
 *   /docker/registry/v2/_proxy/                                 (ours) the pull-through cache's
 *   ├── fills/<uuid>                                            a blob being fetched from an upstream
 *   └── expiry.json                                             last pulls of cached content (ttl expiry)
 *
 * Every function takes values already validated by the HTTP layer (repository name grammar, digest,
 * tag grammar); the driver's path check is the last guard.
 */
export const ROOT = '/docker/registry/v2';
const REPOSITORIES = `${ROOT}/repositories`;
const PROXY = `${ROOT}/_proxy`;

function digestPath(digest: string): string {
  const parsed = parseDigest(digest);
  if (!parsed) throw new Error(`invalid digest ${digest}`);
  return `${parsed.algorithm}/${parsed.hex}`;
}

export const Paths = {
  blobsRoot: (): string => `${ROOT}/blobs`,
  blobDir(digest: string): string {
    const parsed = parseDigest(digest);
    if (!parsed) throw new Error(`invalid digest ${digest}`);
    return `${ROOT}/blobs/${parsed.algorithm}/${parsed.hex.slice(0, 2)}/${parsed.hex}`;
  },
  blobData: (digest: string): string => `${Paths.blobDir(digest)}/data`,

  repositoriesRoot: (): string => REPOSITORIES,
  repository: (name: string): string => `${REPOSITORIES}/${name}`,
  layerDir: (name: string, digest: string): string => `${REPOSITORIES}/${name}/_layers/${digestPath(digest)}`,
  layerLink: (name: string, digest: string): string => `${REPOSITORIES}/${name}/_layers/${digestPath(digest)}/link`,
  layersDir: (name: string): string => `${REPOSITORIES}/${name}/_layers`,

  manifestsDir: (name: string): string => `${REPOSITORIES}/${name}/_manifests`,
  revisionLink: (name: string, digest: string): string =>
    `${REPOSITORIES}/${name}/_manifests/revisions/${digestPath(digest)}/link`,
  revisionsDir: (name: string): string => `${REPOSITORIES}/${name}/_manifests/revisions`,
  tagsDir: (name: string): string => `${REPOSITORIES}/${name}/_manifests/tags`,
  tagDir: (name: string, tag: string): string => `${REPOSITORIES}/${name}/_manifests/tags/${tag}`,
  tagCurrentLink: (name: string, tag: string): string => `${REPOSITORIES}/${name}/_manifests/tags/${tag}/current/link`,
  tagIndexLink: (name: string, tag: string, digest: string): string =>
    `${REPOSITORIES}/${name}/_manifests/tags/${tag}/index/${digestPath(digest)}/link`,
  referrersDir: (name: string, subject: string): string =>
    `${REPOSITORIES}/${name}/_manifests/referrers/${digestPath(subject)}`,
  referrerLink: (name: string, subject: string, referrer: string): string =>
    `${REPOSITORIES}/${name}/_manifests/referrers/${digestPath(subject)}/${digestPath(referrer)}/link`,

  uploadsDir: (name: string): string => `${REPOSITORIES}/${name}/_uploads`,
  uploadDir: (name: string, id: string): string => `${REPOSITORIES}/${name}/_uploads/${id}`,
  uploadData: (name: string, id: string): string => `${REPOSITORIES}/${name}/_uploads/${id}/data`,
  uploadStartedAt: (name: string, id: string): string => `${REPOSITORIES}/${name}/_uploads/${id}/startedat`,

  proxyFillsDir: (): string => `${PROXY}/fills`,
  proxyFill: (id: string): string => `${PROXY}/fills/${id}`,
  proxyExpiry: (): string => `${PROXY}/expiry.json`,
} as const;
