/**
 * What a request needs (distribution's auth.Access): a resource (`repository:<name>` or
 * `registry:catalog`) and the actions on it. Derived from the path and method alone, so the access check
 * runs before, and independently of, the controllers.
 */
export interface Resource {
  type: 'repository' | 'registry';
  name: string;
}

export interface Access {
  resource: Resource;
  /** pull, push, delete, or `*` for registry:catalog. */
  actions: string[];
}

/** One entry of a token's `access` claim (the Docker token protocol). */
export interface GrantedAccess {
  type: string;
  name: string;
  actions: string[];
}

/**
 * /v2/<name>/<tail>: the name is everything before the last blobs|manifests|tags|referrers part. Matched
 * without regard to case and with an optional trailing slash, as Express routes: a path Express would
 * route must never escape its scope here.
 */
const REPOSITORY_ROUTE =
  /^\/v2\/(.+?)\/(?:blobs\/uploads(?:\/[^/]*)?|blobs\/[^/]+|manifests\/[^/]+|tags\/list|referrers\/[^/]+)\/?$/i;
const BASE_ROUTE = /^\/v2\/?$/i;
const CATALOG_ROUTE = /^\/v2\/_catalog\/?$/i;

/**
 * The access a request needs: [] for `/v2/` (any authenticated client), the catalog scope for
 * `/v2/_catalog`, the repository's actions for a repository route; undefined for a path the API does
 * not serve (the middleware answers it 404 once the client is authenticated, so no route that this
 * parser cannot place is ever reached). `path` is the raw path, without the query.
 */
export function requiredAccess(method: string, path: string): Access[] | undefined {
  if (BASE_ROUTE.test(path)) return [];
  if (CATALOG_ROUTE.test(path)) return [{ resource: { type: 'registry', name: 'catalog' }, actions: ['*'] }];
  const match = REPOSITORY_ROUTE.exec(path);
  if (!match) return undefined;
  let name: string;
  try {
    name = decodeURIComponent(match[1]);
  } catch {
    return undefined;
  }
  return [{ resource: { type: 'repository', name }, actions: actionsFor(method) }];
}

/** GET/HEAD pull; POST/PUT/PATCH push (and pull, as distribution asks); DELETE delete. */
export function actionsFor(method: string): string[] {
  switch (method.toUpperCase()) {
    case 'GET':
    case 'HEAD':
      return ['pull'];
    case 'POST':
    case 'PUT':
    case 'PATCH':
      return ['pull', 'push'];
    case 'DELETE':
      return ['delete'];
    default:
      return ['pull'];
  }
}

/**
 * Extra access a cross-repository mount needs: pull on the source (`POST .../blobs/uploads/?mount=&from=`),
 * as distribution requires.
 */
export function mountAccess(method: string, path: string, query: URLSearchParams): Access | undefined {
  const from = query.get('from');
  if (method.toUpperCase() !== 'POST' || !from || !query.get('mount') || !/\/blobs\/uploads\/?$/i.test(path))
    return undefined;
  return { resource: { type: 'repository', name: from }, actions: ['pull'] };
}

/** The scope string of a challenge: `repository:foo/bar:pull,push`. */
export function scopeOf(access: Access): string {
  return `${access.resource.type}:${access.resource.name}:${access.actions.join(',')}`;
}

/** Whether `granted` covers every action of `access` (`*` covers all). */
export function isGranted(granted: readonly GrantedAccess[], access: Access): boolean {
  const actions = new Set(
    granted
      .filter((entry) => entry.type === access.resource.type && entry.name === access.resource.name)
      .flatMap((entry) => entry.actions),
  );
  return actions.has('*') || access.actions.every((action) => actions.has(action));
}

/** Whether `granted` holds any entry for the resource (the token server considered it). */
export function mentions(granted: readonly GrantedAccess[], access: Access): boolean {
  return granted.some((entry) => entry.type === access.resource.type && entry.name === access.resource.name);
}
