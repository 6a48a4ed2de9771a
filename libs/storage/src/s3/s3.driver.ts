import { Readable } from 'node:stream';
import { GetObjectCommand, HeadBucketCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { ConfigError, type S3Config } from '@app/config';
import { checkPath, InvalidOffsetError, PathNotFoundError, StorageError } from '../errors.js';
import { StorageDriver, type FileInfo, type FileWriter, type UrlOptions } from '../storage-driver.js';
import { S3Bucket } from './s3-bucket.js';
import { createS3Client, keyPrefix, s3Endpoint, statusOf } from './s3-client.js';
import { copyObject, type CopySettings, type ObjectOptions } from './s3-copy.js';
import { S3Writer } from './s3-writer.js';

/**
 * The `s3` driver (distribution's s3-aws, on the AWS SDK v3): driver path `/a/b` is the key `<root>/a/b`;
 * directories are key prefixes. Writers are multipart uploads whose state is in the bucket (S3Writer), move is
 * a server-side copy then a delete, and blob GETs can be redirected to a presigned URL. As in distribution, the
 * bucket holds keys, not a tree: putContent does not refuse a file over a "directory" or below a file.
 */
export class S3Driver extends StorageDriver {
  readonly name = 's3';
  private readonly bucket: S3Bucket;
  private readonly copy: CopySettings;
  /** This process's open writers by key: a new writer on the key first closes the one left open. */
  private readonly writers = new Map<string, S3Writer>();

  constructor(
    private readonly config: S3Config,
    log?: (message: string) => void,
  ) {
    super();
    const object = objectOptions(config);
    this.bucket = new S3Bucket(createS3Client(config, log), config.bucket, keyPrefix(config.rootdirectory), object);
    this.copy = {
      bucket: config.bucket,
      threshold: config.multipartcopythresholdsize,
      partSize: config.multipartcopychunksize,
      concurrency: config.multipartcopymaxconcurrency,
      object,
    };
  }

  /** HeadBucket: a bucket that is missing, refused or unreachable stops the start, naming the key to check. */
  override async open(): Promise<void> {
    const { bucket } = this.config;
    const where = s3Endpoint(this.config) ?? `AWS region ${this.config.region}`;
    try {
      await this.bucket.client.send(new HeadBucketCommand({ Bucket: bucket }));
    } catch (error) {
      const status = statusOf(error);
      if (status === 404) throw new ConfigError(`storage.s3.bucket: no bucket ${bucket} at ${where}`);
      if (status === 403 || status === 400)
        throw new ConfigError(`storage.s3.accesskey: ${where} refused access to bucket ${bucket} (${status})`);
      throw new ConfigError(
        `storage.s3.regionendpoint: cannot reach ${where}: ${this.bucket.fail(error, '/').message}`,
      );
    }
  }

  override async close(): Promise<void> {
    this.bucket.client.destroy();
  }

  async getContent(path: string): Promise<Buffer> {
    const command = new GetObjectCommand({ Bucket: this.config.bucket, Key: this.bucket.key(path) });
    const answer = await this.bucket.call(path, () => this.bucket.client.send(command));
    return Buffer.from(await this.bucket.call(path, () => answer.Body!.transformToByteArray()));
  }

  putContent(path: string, content: Buffer): Promise<void> {
    return this.bucket.put(path, content);
  }

  async reader(path: string, offset = 0, end?: number): Promise<Readable> {
    const Key = this.bucket.key(path);
    if (!Number.isInteger(offset) || offset < 0) throw new InvalidOffsetError(path, offset);
    if (end !== undefined && end < offset) return this.empty(path, offset);
    const Range = offset === 0 && end === undefined ? undefined : `bytes=${offset}-${end ?? ''}`;
    try {
      const answer = await this.bucket.client.send(new GetObjectCommand({ Bucket: this.config.bucket, Key, Range }));
      return answer.Body as Readable;
    } catch (error) {
      if ((error as Error).name === 'InvalidRange' || statusOf(error) === 416) return this.empty(path, offset);
      throw this.bucket.fail(error, path);
    }
  }

  async writer(path: string, append = false): Promise<FileWriter> {
    const key = this.bucket.key(path);
    await this.writers
      .get(key)
      ?.close()
      .catch(() => undefined);
    if (await this.bucket.firstUnder(path)) throw new StorageError(`is a directory: ${path}`, path);
    const existing = append ? (await this.bucket.head(path))?.size : undefined;
    if (existing === undefined) await this.bucket.put(path, Buffer.alloc(0));
    const writer: S3Writer = new S3Writer(
      {
        client: this.bucket.client,
        key,
        path,
        chunkSize: this.config.chunksize,
        copy: this.copy,
        fail: (error) => this.bucket.fail(error, path),
        done: () => void (this.writers.get(key) === writer && this.writers.delete(key)),
        remove: () => this.bucket.remove(path, [key]),
        read: () => this.getContent(path),
      },
      existing ?? 0,
    );
    this.writers.set(key, writer);
    return writer;
  }

  async stat(path: string): Promise<FileInfo> {
    const file = await this.bucket.head(path);
    if (file) return { path, size: file.size, modTime: file.modTime, isDir: false };
    const child = await this.bucket.firstUnder(path);
    if (!child && path !== '/') throw new PathNotFoundError(path);
    return { path, size: 0, modTime: child?.modTime ?? new Date(0), isDir: true };
  }

  async list(path: string): Promise<string[]> {
    const names = await this.bucket.children(checkPath(path));
    if (names.length === 0 && path !== '/') throw new PathNotFoundError(path);
    const base = path === '/' ? '/' : `${path}/`;
    return names.map((name) => base + name).sort();
  }

  async move(source: string, destination: string): Promise<void> {
    const from = this.bucket.key(source);
    const to = this.bucket.key(destination);
    const file = await this.bucket.head(source);
    if (source === destination) {
      if (!file) await this.stat(source);
      return;
    }
    if (destination.startsWith(`${source}/`)) throw new StorageError(`cannot move ${source} into itself`, destination);
    if (file) {
      if (await this.bucket.firstUnder(destination))
        throw new StorageError(`is a directory: ${destination}`, destination);
      await this.bucket.call(destination, () => copyObject(this.bucket.client, this.copy, from, to, file.size));
      await this.bucket.remove(source, [from]);
      return;
    }
    const keys = await this.bucket.keysUnder(source);
    if (keys.length === 0) throw new PathNotFoundError(source);
    if (await this.bucket.head(destination)) throw new StorageError(`not a directory: ${destination}`, destination);
    for (const { key, size } of keys) {
      const target = to + key.slice(from.length);
      await this.bucket.call(destination, () => copyObject(this.bucket.client, this.copy, key, target, size));
    }
    await this.bucket.remove(
      source,
      keys.map(({ key }) => key),
    );
  }

  async delete(path: string): Promise<void> {
    const keys = (await this.bucket.keysUnder(path)).map(({ key }) => key);
    if (await this.bucket.head(path)) keys.push(this.bucket.key(path));
    if (keys.length === 0 && path !== '/') throw new PathNotFoundError(path);
    if (keys.length > 0) await this.bucket.remove(path, keys);
    if (keys.length > 1 || path === '/') await this.bucket.abortUploads(path);
  }

  /** A presigned URL (distribution's URLFor). */
  override async urlFor(path: string, options: UrlOptions): Promise<string | undefined> {
    const input = { Bucket: this.config.bucket, Key: this.bucket.key(path) };
    const command = options.method === 'HEAD' ? new HeadObjectCommand(input) : new GetObjectCommand(input);
    return getSignedUrl(this.bucket.client, command, { expiresIn: options.expiresIn });
  }

  /** An empty stream at `offset` of an existing file; InvalidOffsetError past its end. */
  private async empty(path: string, offset: number): Promise<Readable> {
    const file = await this.bucket.head(path);
    if (!file) throw new PathNotFoundError(path);
    if (offset > file.size) throw new InvalidOffsetError(path, offset);
    return Readable.from([]);
  }
}

function objectOptions(config: S3Config): ObjectOptions {
  const options: ObjectOptions = {};
  if (config.storageclass !== 'NONE') options.StorageClass = config.storageclass;
  if (config.encrypt) {
    options.ServerSideEncryption = config.keyid ? 'aws:kms' : 'AES256';
    if (config.keyid) options.SSEKMSKeyId = config.keyid;
  }
  if (config.objectacl) options.ACL = config.objectacl as ObjectOptions['ACL'];
  return options;
}
