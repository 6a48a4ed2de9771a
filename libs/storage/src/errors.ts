export class StorageError extends Error {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
  }
}

export class PathNotFoundError extends StorageError {
  override name = 'PathNotFoundError';
  constructor(path: string) {
    super(`path not found: ${path}`, path);
  }
}

export class InvalidPathError extends StorageError {
  override name = 'InvalidPathError';
  constructor(path: string) {
    super(`invalid path: ${JSON.stringify(path)}`, path);
  }
}

/** Reading past the end of a file. */
export class InvalidOffsetError extends StorageError {
  override name = 'InvalidOffsetError';
  constructor(
    path: string,
    readonly offset: number,
  ) {
    super(`invalid offset ${offset} for ${path}`, path);
  }
}

/**
 * The store did not answer as it should (endpoint down, bucket gone, access denied, cluster unreachable): an
 * error of the store, never taken for "not found" (the registry answers 503 UNAVAILABLE).
 */
export class StoreUnavailableError extends StorageError {
  override name = 'StoreUnavailableError';
  constructor(message: string, path: string, options?: { cause?: unknown }) {
    super(message, path);
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

const SEGMENT = /^[A-Za-z0-9._-]+$/;
/** The longest file name common file systems take (NAME_MAX). */
const MAX_SEGMENT = 255;

/** True for a name that may be one segment of a driver path (drivers hide other names, e.g. temp files). */
export function isPathSegment(name: string): boolean {
  return name.length <= MAX_SEGMENT && SEGMENT.test(name) && name !== '.' && name !== '..';
}

/** Throws InvalidPathError unless `path` is a clean absolute driver path. */
export function checkPath(path: string): string {
  if (typeof path !== 'string' || !path.startsWith('/') || path.length > 4096) throw new InvalidPathError(path);
  if (path === '/') return path;
  const segments = path.slice(1).split('/');
  for (const segment of segments) {
    if (!isPathSegment(segment)) throw new InvalidPathError(path);
  }
  return path;
}
