import { createHash, type Hash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { DigestAlgorithm } from '@app/oci';

/**
 * The running digests of an upload: every algorithm asked for, fed each chunk as it is written, all
 * covering exactly the first `offset` bytes of the upload's data.
 */
export class UploadHash {
  constructor(
    public offset: number,
    private readonly hashes: Map<DigestAlgorithm, Hash>,
  ) {}

  has(algorithm: DigestAlgorithm): boolean {
    return this.hashes.has(algorithm);
  }

  add(algorithm: DigestAlgorithm, hash: Hash): void {
    this.hashes.set(algorithm, hash);
  }

  update(chunk: Buffer): void {
    for (const hash of this.hashes.values()) hash.update(chunk);
    this.offset += chunk.length;
  }

  /** `algorithm:hex` of the bytes so far, leaving the hash open for more. */
  digest(algorithm: DigestAlgorithm): string {
    const hash = this.hashes.get(algorithm);
    if (!hash) throw new Error(`no running ${algorithm} hash`);
    return `${algorithm}:${hash.copy().digest('hex')}`;
  }
}

/** Streams the first `size` bytes of an upload again (after a restart, or when another process wrote it). */
export type DataReader = (size: number) => Promise<Readable>;

/**
 * Live hash states of the uploads in progress, in memory, keyed by upload id and valid for one offset.
 * `resume` hands out the state (taking it out, so two requests never feed the same hash) when it matches
 * the upload's current size, and otherwise re-hashes the stored data by streaming it; `keep` puts it back.
 * Bounded: the oldest states go first (they can always be rebuilt from storage).
 */
export class UploadHashes {
  private readonly states = new Map<string, UploadHash>();

  constructor(private readonly capacity = 10_000) {}

  async resume(
    id: string,
    size: number,
    algorithms: readonly DigestAlgorithm[],
    read: DataReader,
  ): Promise<UploadHash> {
    let state = this.states.get(id);
    this.states.delete(id);
    if (!state || state.offset !== size) state = new UploadHash(size, new Map());
    const missing = [...new Set(algorithms)].filter((algorithm) => !state.has(algorithm));
    for (const algorithm of missing) state.add(algorithm, await rehash(algorithm, size, read));
    return state;
  }

  keep(id: string, state: UploadHash): void {
    this.states.delete(id);
    this.states.set(id, state);
    if (this.states.size > this.capacity) this.states.delete(this.states.keys().next().value!);
  }

  drop(id: string): void {
    this.states.delete(id);
  }

  get size(): number {
    return this.states.size;
  }
}

async function rehash(algorithm: DigestAlgorithm, size: number, read: DataReader): Promise<Hash> {
  const hash = createHash(algorithm);
  if (size === 0) return hash;
  let seen = 0;
  for await (const chunk of await read(size)) {
    hash.update(chunk as Buffer);
    seen += (chunk as Buffer).length;
  }
  if (seen !== size) throw new Error(`upload data changed while re-hashing (${seen} of ${size} bytes)`);
  return hash;
}
