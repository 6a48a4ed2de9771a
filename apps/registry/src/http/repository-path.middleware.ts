import type { NextFunction, Request, Response } from 'express';

/**
 * Repository names contain '/', which route patterns cannot tell from the path's own separators. This
 * middleware finds the name the way the spec's grammar does (everything before the trailing
 * blobs|manifests|tags|referrers part) and percent-encodes its slashes, so that controllers declare plain
 * routes such as `v2/:name/blobs/:digest` and receive the decoded name in `:name`.
 */
const ROUTE_TAIL = /^\/v2\/(.+?)\/(blobs\/uploads\/?[^/]*|blobs\/[^/]+|manifests\/[^/]+|tags\/list|referrers\/[^/]+)$/;

export function encodeRepositoryPath(path: string): string | undefined {
  const match = ROUTE_TAIL.exec(path);
  if (!match) return undefined;
  return `/v2/${match[1].replace(/\//g, '%2F')}/${match[2]}`;
}

/**
 * Registered on the Express app itself (`app.use(repositoryPaths)` in main.ts, before Nest's routes): a
 * Nest module middleware is mounted on a path pattern, and Express hides the matched path from it and
 * restores the URL afterwards, so the rewrite would not reach the routes.
 */
export function repositoryPaths(req: Request, _res: Response, next: NextFunction): void {
  const queryAt = req.url.indexOf('?');
  const path = queryAt === -1 ? req.url : req.url.slice(0, queryAt);
  const encoded = encodeRepositoryPath(path);
  if (encoded) req.url = encoded + (queryAt === -1 ? '' : req.url.slice(queryAt));
  next();
}
