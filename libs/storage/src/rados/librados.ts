import { createRequire } from 'node:module';
import { constants } from 'node:os';
import type { LibraryHandle } from 'koffi';

type Koffi = typeof import('koffi');
type Fn = ((...args: unknown[]) => unknown) & { async(...args: unknown[]): void };

/** errno numbers by value (ENOENT for 2), to say what librados answered. */
const ERRNO_NAMES = new Map(Object.entries(constants.errno).map(([name, value]) => [value, name]));
export const ENOENT = constants.errno.ENOENT;
export const ECANCELED = constants.errno.ECANCELED;

/** A negative errno from librados. */
export class RadosError extends Error {
  override name = 'RadosError';
  constructor(
    readonly call: string,
    readonly errno: number,
  ) {
    super(`${call}: ${ERRNO_NAMES.get(errno) ?? 'errno'} (${errno})`);
  }
}

const PROTOTYPES = {
  create: 'int rados_create(_Out_ rados_t *cluster, const char *id)',
  confReadFile: 'int rados_conf_read_file(rados_t cluster, const char *path)',
  confSet: 'int rados_conf_set(rados_t cluster, const char *option, const char *value)',
  connect: 'int rados_connect(rados_t cluster)',
  shutdown: 'void rados_shutdown(rados_t cluster)',
  ioctxCreate: 'int rados_ioctx_create(rados_t cluster, const char *pool, _Out_ rados_ioctx_t *io)',
  ioctxDestroy: 'void rados_ioctx_destroy(rados_ioctx_t io)',
  writeFull: 'int rados_write_full(rados_ioctx_t io, const char *oid, const void *buf, size_t len)',
  write: 'int rados_write(rados_ioctx_t io, const char *oid, const void *buf, size_t len, uint64_t off)',
  read: 'int rados_read(rados_ioctx_t io, const char *oid, void *buf, size_t len, uint64_t off)',
  remove: 'int rados_remove(rados_ioctx_t io, const char *oid)',
  createWriteOp: 'rados_write_op_t rados_create_write_op()',
  releaseWriteOp: 'void rados_release_write_op(rados_write_op_t op)',
  omapSet:
    'void rados_write_op_omap_set(rados_write_op_t op, const char **keys, const char **vals, ' +
    'const size_t *lens, size_t n)',
  omapRmKeys: 'void rados_write_op_omap_rm_keys(rados_write_op_t op, const char **keys, size_t n)',
  omapCmp:
    'void rados_write_op_omap_cmp(rados_write_op_t op, const char *key, uint8_t cmp, const char *val, ' +
    'size_t len, int *prval)',
  writeOperate:
    'int rados_write_op_operate(rados_write_op_t op, rados_ioctx_t io, const char *oid, void *mtime, int flags)',
  createReadOp: 'rados_read_op_t rados_create_read_op()',
  releaseReadOp: 'void rados_release_read_op(rados_read_op_t op)',
  omapGetVals:
    'void rados_read_op_omap_get_vals2(rados_read_op_t op, const char *after, const char *prefix, uint64_t max, ' +
    '_Out_ rados_omap_iter_t *iter, void *more, void *prval)',
  omapGetByKeys:
    'void rados_read_op_omap_get_vals_by_keys(rados_read_op_t op, const char **keys, size_t n, ' +
    '_Out_ rados_omap_iter_t *iter, void *prval)',
  readOperate: 'int rados_read_op_operate(rados_read_op_t op, rados_ioctx_t io, const char *oid, int flags)',
  omapNext:
    'int rados_omap_get_next2(rados_omap_iter_t it, _Out_ char **key, _Out_ void **val, ' +
    '_Out_ size_t *klen, _Out_ size_t *vlen)',
  omapEnd: 'void rados_omap_get_end(rados_omap_iter_t it)',
} as const;

export type Librados = Record<keyof typeof PROTOTYPES, Fn> & { koffi: Koffi };

let loaded: Librados | undefined;

/**
 * librados.so.2 (Debian's librados2) through koffi, loaded on first use only, so that every other driver works
 * where it is not installed. Throws with what to install when it is missing.
 */
export function librados(): Librados {
  if (loaded) return loaded;
  const koffi = createRequire(import.meta.url)('koffi') as Koffi;
  let lib: LibraryHandle;
  try {
    lib = koffi.load('librados.so.2');
  } catch (error) {
    throw new Error(
      `librados is not installed (${(error as Error).message}): apt-get install librados2 ` +
        '(Debian/Ubuntu; the Ceph client library)',
      { cause: error },
    );
  }
  for (const name of ['rados_t', 'rados_ioctx_t', 'rados_write_op_t', 'rados_read_op_t', 'rados_omap_iter_t'])
    koffi.alias(name, koffi.pointer(koffi.opaque()));
  const fns = Object.fromEntries(Object.entries(PROTOTYPES).map(([name, proto]) => [name, lib.func(proto)]));
  loaded = { ...(fns as unknown as Record<keyof typeof PROTOTYPES, Fn>), koffi };
  return loaded;
}

/** Runs a blocking librados call on a worker thread; a negative answer rejects as RadosError. */
export function callAsync(fn: Fn, name: string, ...args: unknown[]): Promise<number> {
  return new Promise((resolve, reject) => {
    fn.async(...args, (error: unknown, result: number) => {
      if (error) reject(error instanceof Error ? error : new Error(String(error)));
      else if (result < 0) reject(new RadosError(name, -result));
      else resolve(result);
    });
  });
}

/** Throws RadosError for a negative answer of a synchronous call. */
export function check(result: unknown, name: string): number {
  if (typeof result === 'number' && result < 0) throw new RadosError(name, -result);
  return result as number;
}
