import { callAsync, check, ENOENT, librados, RadosError, type Librados } from './librados.js';

/** LIBRADOS_CMPXATTR_OP_EQ: the omap value must equal the one given. */
const CMP_EQ = 1;
/** Entries read from an omap per call. */
const OMAP_PAGE = 1000;

export interface PoolSettings {
  conffile: string;
  username?: string;
  poolname: string;
}

/**
 * One connection to a Ceph pool over librados: whole-object and ranged reads and writes, and omap reads and
 * atomic omap updates. Blocking librados calls run on libuv's worker threads (koffi's async calls).
 */
export class RadosPool {
  private constructor(
    private readonly lib: Librados,
    private readonly cluster: unknown,
    private readonly io: unknown,
  ) {}

  /** Connects (client_mount_timeout 15 s) and opens `poolname`; RadosError names the step that failed. */
  static async connect(settings: PoolSettings): Promise<RadosPool> {
    const lib = librados();
    const handle = [null];
    check(lib.create(handle, settings.username ?? null), 'rados_create');
    const cluster = handle[0];
    try {
      check(lib.confReadFile(cluster, settings.conffile), `rados_conf_read_file ${settings.conffile}`);
      // A dead cluster fails requests after these instead of hanging them (the registry answers 503).
      for (const [option, value] of [
        ['client_mount_timeout', '15'],
        ['rados_osd_op_timeout', '30'],
        ['rados_mon_op_timeout', '30'],
      ])
        check(lib.confSet(cluster, option, value), `rados_conf_set ${option}`);
      await callAsync(lib.connect, 'rados_connect', cluster);
      const io = [null];
      check(lib.ioctxCreate(cluster, settings.poolname, io), `rados_ioctx_create ${settings.poolname}`);
      return new RadosPool(lib, cluster, io[0]);
    } catch (error) {
      lib.shutdown(cluster);
      throw error;
    }
  }

  close(): void {
    this.lib.ioctxDestroy(this.io);
    this.lib.shutdown(this.cluster);
  }

  async writeFull(oid: string, data: Buffer): Promise<void> {
    await callAsync(this.lib.writeFull, `write_full ${oid}`, this.io, oid, data, data.length);
  }

  async write(oid: string, data: Buffer, offset: number): Promise<void> {
    await callAsync(this.lib.write, `write ${oid}`, this.io, oid, data, data.length, offset);
  }

  /** Up to `length` bytes at `offset`; fewer at the object's end. */
  async read(oid: string, length: number, offset: number): Promise<Buffer> {
    const buffer = Buffer.allocUnsafe(length);
    const n = await callAsync(this.lib.read, `read ${oid}`, this.io, oid, buffer, length, offset);
    return buffer.subarray(0, n);
  }

  /** Removes the object; an absent one is fine. */
  async remove(oid: string): Promise<void> {
    await callAsync(this.lib.remove, `remove ${oid}`, this.io, oid).catch((error: unknown) => {
      if (!(error instanceof RadosError && error.errno === ENOENT)) throw error;
    });
  }

  /** The values of `keys` in the omap of `oid` (absent object: none). */
  async omapGet(oid: string, keys: string[]): Promise<Map<string, string>> {
    return this.readOmap(oid, (op, iter, prval) => this.lib.omapGetByKeys(op, keys, keys.length, iter, prval));
  }

  /** Up to `max` entries after `after`, in key order, and whether more follow. */
  async omapPage(oid: string, after = '', max = OMAP_PAGE): Promise<{ entries: Map<string, string>; more: boolean }> {
    const more = this.lib.koffi.alloc('uint8_t', 1);
    try {
      const entries = await this.readOmap(oid, (op, iter, prval) =>
        this.lib.omapGetVals(op, after, null, max, iter, more, prval),
      );
      return { entries, more: entries.size > 0 && (this.lib.koffi.decode(more, 'uint8_t') as number) !== 0 };
    } finally {
      this.lib.koffi.free(more);
    }
  }

  /**
   * One atomic update of the omap of `oid` (created if absent): `set` and `remove` keys, only if `guard`'s key
   * still holds its value (else RadosError ECANCELED, nothing changed).
   */
  async omapUpdate(
    oid: string,
    set: Record<string, string>,
    remove: string[] = [],
    guard?: { key: string; value: string },
  ): Promise<void> {
    const op = this.lib.createWriteOp();
    try {
      if (guard) this.lib.omapCmp(op, guard.key, CMP_EQ, guard.value, Buffer.byteLength(guard.value), null);
      const keys = Object.keys(set);
      if (keys.length > 0) {
        const values = keys.map((key) => set[key]);
        this.lib.omapSet(
          op,
          keys,
          values,
          values.map((value) => Buffer.byteLength(value)),
          keys.length,
        );
      }
      if (remove.length > 0) this.lib.omapRmKeys(op, remove, remove.length);
      await callAsync(this.lib.writeOperate, `omap update ${oid}`, op, this.io, oid, null, 0);
    } finally {
      this.lib.releaseWriteOp(op);
    }
  }

  private async readOmap(
    oid: string,
    add: (op: unknown, iter: unknown[], prval: unknown) => void,
  ): Promise<Map<string, string>> {
    const { koffi } = this.lib;
    const op = this.lib.createReadOp();
    const prval = koffi.alloc('int', 1);
    const iter = [null];
    const entries = new Map<string, string>();
    try {
      add(op, iter, prval);
      try {
        await callAsync(this.lib.readOperate, `omap read ${oid}`, op, this.io, oid, 0);
      } catch (error) {
        if (error instanceof RadosError && error.errno === ENOENT) return entries;
        throw error;
      }
      for (;;) {
        const key = [null];
        const value = [null];
        const keyLength = [0];
        const valueLength = [0];
        check(this.lib.omapNext(iter[0], key, value, keyLength, valueLength), 'rados_omap_get_next2');
        if (key[0] === null) break;
        const text = valueLength[0] ? (koffi.decode(value[0], 'char', valueLength[0]) as string) : '';
        entries.set(key[0] as string, text);
      }
      return entries;
    } finally {
      if (iter[0] !== null) this.lib.omapEnd(iter[0]);
      this.lib.releaseReadOp(op);
      koffi.free(prval);
    }
  }
}
