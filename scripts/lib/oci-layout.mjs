// Builds OCI image layouts on disk with node alone (no network, no container engine), for the
// end-to-end tests and the benchmarks: real gzip'd tar layers (one file of random bytes each, streamed
// to disk so a 1 GiB layer never sits in memory), an image config with the right diff_ids, image
// manifests, image indexes, and the layout's index.json naming each tagged manifest.
import { createHash, randomFillSync } from 'node:crypto';
import { createWriteStream, mkdirSync, renameSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

export const MEDIA = {
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  index: 'application/vnd.oci.image.index.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
};

const CHUNK = 1 << 20;

/** A readable of `size` random bytes, made a chunk at a time. */
export function randomStream(size) {
  let left = size;
  return new Readable({
    read() {
      if (left <= 0) return void this.push(null);
      const n = Math.min(CHUNK, left);
      left -= n;
      this.push(randomFillSync(Buffer.allocUnsafe(n)));
    },
  });
}

function hashing(hash) {
  return new Transform({
    transform(chunk, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
}

/** A ustar header for one regular file. */
function tarHeader(name, size) {
  const header = Buffer.alloc(512);
  const field = (text, offset, length) => header.write(text, offset, length, 'ascii');
  field(name, 0, 100);
  field('0000644\0', 100, 8);
  field('0000000\0', 108, 8);
  field('0000000\0', 116, 8);
  field(size.toString(8).padStart(11, '0') + '\0', 124, 12);
  field('00000000000\0', 136, 12);
  field('        ', 148, 8);
  field('0', 156, 1);
  field('ustar\0', 257, 6);
  field('00', 263, 2);
  let sum = 0;
  for (const byte of header) sum += byte;
  field(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8);
  return header;
}

/** A tar stream holding one file of `size` random bytes. */
async function* tarOfRandomFile(name, size) {
  yield tarHeader(name, size);
  for await (const chunk of randomStream(size)) yield chunk;
  const pad = (512 - (size % 512)) % 512;
  yield Buffer.alloc(pad + 1024);
}

export class OciLayout {
  /** Creates (or reopens) an OCI layout folder. */
  constructor(dir) {
    this.dir = dir;
    this.refs = [];
    mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
    writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    const index = join(dir, 'index.json');
    if (existsSync(index)) this.refs = JSON.parse(readFileSync(index, 'utf8')).manifests ?? [];
  }

  blobPath(digest) {
    return join(this.dir, 'blobs', ...digest.split(':'));
  }

  /** Writes bytes as a blob; returns its descriptor. */
  addBytes(bytes, mediaType) {
    const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes);
    const digest = `sha256:${createHash('sha256').update(buffer).digest('hex')}`;
    writeFileSync(this.blobPath(digest), buffer);
    return { mediaType, digest, size: buffer.length };
  }

  addJson(value, mediaType) {
    return this.addBytes(JSON.stringify(value), mediaType);
  }

  /**
   * A gzip'd tar layer holding one file of `size` random bytes, streamed to disk (gzip level 0: random
   * bytes do not compress, and stored blocks cost no CPU). Returns the descriptor and the diff id.
   */
  async addRandomLayer(size, name = 'data.bin') {
    const diff = createHash('sha256');
    const compressed = createHash('sha256');
    const temp = join(this.dir, 'blobs', `.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
    let length = 0;
    const count = new Transform({
      transform(chunk, _encoding, done) {
        length += chunk.length;
        compressed.update(chunk);
        done(null, chunk);
      },
    });
    await pipeline(
      Readable.from(tarOfRandomFile(name, size)),
      hashing(diff),
      createGzip({ level: 0 }),
      count,
      createWriteStream(temp),
    );
    const digest = `sha256:${compressed.digest('hex')}`;
    renameSync(temp, this.blobPath(digest));
    return { descriptor: { mediaType: MEDIA.layer, digest, size: length }, diffId: `sha256:${diff.digest('hex')}` };
  }

  /**
   * An image: one layer per entry of `layerSizes` (bytes of random content), a config, a manifest.
   * Returns the manifest's descriptor (with `platform` when given) and the parts.
   */
  async addImage({ layerSizes, platform = { architecture: 'amd64', os: 'linux' }, label = 'image' }) {
    const layers = [];
    for (const [i, size] of layerSizes.entries()) layers.push(await this.addRandomLayer(size, `${label}-${i}.bin`));
    const config = this.addJson(
      {
        created: '2026-01-01T00:00:00Z',
        architecture: platform.architecture,
        os: platform.os,
        config: { Labels: { 'e2e.label': label } },
        rootfs: { type: 'layers', diff_ids: layers.map((layer) => layer.diffId) },
        history: layers.map(() => ({ created: '2026-01-01T00:00:00Z', created_by: 'oci-layout.mjs' })),
      },
      MEDIA.config,
    );
    const manifest = this.addJson(
      { schemaVersion: 2, mediaType: MEDIA.manifest, config, layers: layers.map((layer) => layer.descriptor) },
      MEDIA.manifest,
    );
    return { manifest: { ...manifest, platform }, config, layers: layers.map((layer) => layer.descriptor) };
  }

  /** An image index over manifests (descriptors with `platform`). */
  addIndex(manifests) {
    return this.addJson({ schemaVersion: 2, mediaType: MEDIA.index, manifests }, MEDIA.index);
  }

  /** Names `descriptor` `tag` in index.json (replacing an earlier entry of that tag). */
  tag(descriptor, tag) {
    const { mediaType, digest, size } = descriptor;
    this.refs = this.refs.filter((ref) => ref.annotations?.['org.opencontainers.image.ref.name'] !== tag);
    this.refs.push({ mediaType, digest, size, annotations: { 'org.opencontainers.image.ref.name': tag } });
    writeFileSync(join(this.dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: this.refs }));
  }

  /** The digest of a blob file on disk, recomputed. */
  digestOf(digest) {
    return `sha256:${createHash('sha256')
      .update(readFileSync(this.blobPath(digest)))
      .digest('hex')}`;
  }
}
