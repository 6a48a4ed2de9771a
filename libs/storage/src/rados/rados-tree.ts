import { randomUUID } from 'node:crypto';
import { StorageError } from '../errors.js';
import { ECANCELED, RadosError } from './librados.js';
import type { RadosPool } from './rados-pool.js';

/** A file: its data objects `<oid>.<n>` of `chunkSize` bytes each; `size` bytes of them are its content. */
export interface FileEntry {
  kind: 'file';
  oid: string;
  size: number;
  modTime: number;
  chunkSize: number;
  /** The omap value this was read from, to guard an update. */
  raw: string;
}
export type Entry = FileEntry | { kind: 'dir'; raw: string };

const DIR = 'd';

export function fileValue(oid: string, size: number, modTime: number, chunkSize: number): string {
  return `f ${oid} ${size} ${modTime} ${chunkSize}`;
}

export function newOid(): string {
  return `data.${randomUUID()}`;
}

export function chunkOid(oid: string, index: number): string {
  return `${oid}.${index}`;
}

function parse(raw: string): Entry | undefined {
  if (raw === DIR) return { kind: 'dir', raw };
  const [tag, oid, size, modTime, chunkSize] = raw.split(' ');
  if (tag !== 'f' || !oid) return undefined;
  return { kind: 'file', oid, size: Number(size), modTime: Number(modTime), chunkSize: Number(chunkSize), raw };
}

export function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === 0 ? '/' : path.slice(0, slash);
}

export function nameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** The object whose omap lists the directory `path`: child name → `d` or a file's value (the seed's layout). */
export function dirOid(path: string): string {
  return `dir:${path}`;
}

/**
 * The directory tree in omap (distribution's rados seed): each directory is an object whose omap maps its
 * children's names to `d` (a directory) or a file's value. A file is linked into its parent, then its ancestors
 * are linked up to the first that is already there; an unlinked file's directories are unlinked while empty.
 * Both sides re-check after writing, so a file linked into a directory being pruned keeps its directory.
 */
export class RadosTree {
  constructor(private readonly pool: RadosPool) {}

  async entry(path: string): Promise<Entry | undefined> {
    if (path === '/') return { kind: 'dir', raw: DIR };
    const raw = (await this.pool.omapGet(dirOid(parentOf(path)), [nameOf(path)])).get(nameOf(path));
    return raw === undefined ? undefined : parse(raw);
  }

  /** The children of a directory by name (none when it is absent). */
  async children(path: string): Promise<Map<string, Entry>> {
    const children = new Map<string, Entry>();
    for (let after = '', more = true; more;) {
      const page = await this.pool.omapPage(dirOid(path), after);
      for (const [name, raw] of page.entries) {
        const entry = parse(raw);
        if (entry) children.set(name, entry);
        after = name;
      }
      more = page.more;
    }
    return children;
  }

  /**
   * Sets `path` to `value`, if it still holds `expected` (undefined: whatever it holds), and links its
   * directories. ECANCELED (RadosError) when `expected` no longer holds; StorageError below a file.
   */
  async link(path: string, value: string, expected?: string): Promise<void> {
    const parent = parentOf(path);
    const guard = expected === undefined ? undefined : { key: nameOf(path), value: expected };
    await this.pool.omapUpdate(dirOid(parent), { [nameOf(path)]: value }, [], guard);
    for (let dir = parent; dir !== '/'; dir = parentOf(dir)) {
      const entry = await this.entry(dir);
      if (entry?.kind === 'dir') return;
      if (entry?.kind === 'file') {
        await this.pool.omapUpdate(dirOid(parent), {}, [nameOf(path)], { key: nameOf(path), value });
        throw new StorageError(`not a directory: ${dir}`, path);
      }
      await this.pool.omapUpdate(dirOid(parentOf(dir)), { [nameOf(dir)]: DIR });
    }
  }

  /** Removes `path` if it still holds `expected`, then unlinks its directories that are left empty. */
  async unlink(path: string, expected: string): Promise<void> {
    await this.pool.omapUpdate(dirOid(parentOf(path)), {}, [nameOf(path)], { key: nameOf(path), value: expected });
    for (let dir = parentOf(path); dir !== '/'; dir = parentOf(dir)) {
      if (!(await this.isEmpty(dir))) return;
      await this.pool
        .omapUpdate(dirOid(parentOf(dir)), {}, [nameOf(dir)], { key: nameOf(dir), value: DIR })
        .catch((error: unknown) => {
          if (!(error instanceof RadosError && error.errno === ECANCELED)) throw error;
        });
      if (!(await this.isEmpty(dir))) {
        await this.pool.omapUpdate(dirOid(parentOf(dir)), { [nameOf(dir)]: DIR });
        return;
      }
    }
  }

  /** Every file below the directory `path`, depth first. */
  async *files(path: string): AsyncGenerator<[string, FileEntry]> {
    const base = path === '/' ? '/' : `${path}/`;
    for (const [name, entry] of await this.children(path)) {
      if (entry.kind === 'file') yield [base + name, entry];
      else yield* this.files(base + name);
    }
  }

  private async isEmpty(dir: string): Promise<boolean> {
    return (await this.pool.omapPage(dirOid(dir), '', 1)).entries.size === 0;
  }
}
