/**
 * A low-cardinality name for a request's route (metrics labels, access log), from the raw path:
 * base, catalog, blob, blob_upload, blob_upload_chunk, manifest, tags, referrers, or other.
 */
const ROUTES: [RegExp, string][] = [
  [/^\/v2\/?$/, 'base'],
  [/^\/v2\/_catalog\/?$/, 'catalog'],
  [/^\/v2\/.+\/blobs\/uploads\/?$/, 'blob_upload'],
  [/^\/v2\/.+\/blobs\/uploads\/[^/]+$/, 'blob_upload_chunk'],
  [/^\/v2\/.+\/blobs\/[^/]+$/, 'blob'],
  [/^\/v2\/.+\/manifests\/[^/]+$/, 'manifest'],
  [/^\/v2\/.+\/tags\/list$/, 'tags'],
  [/^\/v2\/.+\/referrers\/[^/]+$/, 'referrers'],
];

export function routeName(path: string): string {
  for (const [pattern, name] of ROUTES) if (pattern.test(path)) return name;
  return 'other';
}

/** The path of a request URL, without its query. */
export function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
