import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { checkPath, StorageError } from '../errors.js';
import { isNotFound, storeError } from './s3-client.js';
import type { ObjectOptions } from './s3-copy.js';

export interface KeyInfo {
  key: string;
  size: number;
}

/**
 * The bucket as the s3 driver sees it: driver paths as keys under `rootdirectory`, and the few S3 calls the
 * driver builds on, each failure already the port's error (storeError).
 */
export class S3Bucket {
  constructor(
    readonly client: S3Client,
    readonly name: string,
    /** '' or `root/`. */
    private readonly prefix: string,
    private readonly object: ObjectOptions,
  ) {}

  /** The key of a checked driver path; the root (without rootdirectory: '') is the prefix without its '/'. */
  key(path: string): string {
    checkPath(path);
    return path === '/' ? this.prefix.slice(0, -1) : this.prefix + path.slice(1);
  }

  /** The prefix of every key below the directory `path`. */
  dirPrefix(path: string): string {
    return path === '/' ? this.prefix : `${this.key(path)}/`;
  }

  /** Runs one S3 call for `path`, its failure as the port's error. */
  async call<T>(path: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw this.fail(error, path);
    }
  }

  fail(error: unknown, path: string): StorageError {
    return storeError(error, path, this.name);
  }

  async put(path: string, body: Buffer): Promise<void> {
    const Key = this.key(path);
    const command = new PutObjectCommand({
      Bucket: this.name,
      Key,
      Body: body,
      ContentLength: body.length,
      ...this.object,
    });
    await this.call(path, () => this.client.send(command));
  }

  /** The object at `path`, undefined when there is none (a directory is none). */
  async head(path: string): Promise<{ size: number; modTime: Date } | undefined> {
    if (checkPath(path) === '/') return undefined;
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.name, Key: this.key(path) }));
      return { size: head.ContentLength ?? 0, modTime: head.LastModified ?? new Date(0) };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw this.fail(error, path);
    }
  }

  /** The first key below the directory `path` (its modification time), undefined when it has none. */
  async firstUnder(path: string): Promise<{ modTime: Date } | undefined> {
    const command = new ListObjectsV2Command({ Bucket: this.name, Prefix: this.dirPrefix(path), MaxKeys: 1 });
    const listed = await this.call(path, () => this.client.send(command));
    const first = listed.Contents?.[0];
    return first ? { modTime: first.LastModified ?? new Date(0) } : undefined;
  }

  /** Names of the direct children of the directory `path`: files and key prefixes. */
  async children(path: string): Promise<string[]> {
    const prefix = this.dirPrefix(path);
    const names = new Set<string>();
    let ContinuationToken: string | undefined;
    do {
      const command = new ListObjectsV2Command({
        Bucket: this.name,
        Prefix: prefix,
        Delimiter: '/',
        ContinuationToken,
      });
      const page = await this.call(path, () => this.client.send(command));
      for (const { Key } of page.Contents ?? []) if (Key) names.add(Key.slice(prefix.length));
      for (const { Prefix } of page.CommonPrefixes ?? []) if (Prefix) names.add(Prefix.slice(prefix.length, -1));
      ContinuationToken = page.NextContinuationToken;
    } while (ContinuationToken);
    return [...names];
  }

  /** Every key below the directory `path`, with its size. */
  async keysUnder(path: string): Promise<KeyInfo[]> {
    const keys: KeyInfo[] = [];
    let ContinuationToken: string | undefined;
    do {
      const command = new ListObjectsV2Command({ Bucket: this.name, Prefix: this.dirPrefix(path), ContinuationToken });
      const page = await this.call(path, () => this.client.send(command));
      for (const { Key, Size } of page.Contents ?? []) if (Key) keys.push({ key: Key, size: Size ?? 0 });
      ContinuationToken = page.NextContinuationToken;
    } while (ContinuationToken);
    return keys;
  }

  /** Deletes keys: one DeleteObject, or DeleteObjects of a thousand at a time (S3's limit). */
  async remove(path: string, keys: string[]): Promise<void> {
    if (keys.length === 1) {
      await this.call(path, () => this.client.send(new DeleteObjectCommand({ Bucket: this.name, Key: keys[0] })));
      return;
    }
    for (let i = 0; i < keys.length; i += 1000) {
      const Objects = keys.slice(i, i + 1000).map((Key) => ({ Key }));
      const command = new DeleteObjectsCommand({ Bucket: this.name, Delete: { Objects, Quiet: true } });
      const answer = await this.call(path, () => this.client.send(command));
      const failed = answer.Errors?.[0];
      if (failed) throw new StorageError(`S3 could not delete ${failed.Key}: ${failed.Code}`, path);
    }
  }

  /** Aborts the multipart uploads left below `path` (a registry killed in the middle of a PATCH). */
  async abortUploads(path: string): Promise<void> {
    const command = new ListMultipartUploadsCommand({ Bucket: this.name, Prefix: this.dirPrefix(path) });
    const listed = await this.call(path, () => this.client.send(command));
    for (const { Key, UploadId } of listed.Uploads ?? []) {
      const abort = new AbortMultipartUploadCommand({ Bucket: this.name, Key, UploadId });
      await this.client.send(abort).catch(() => undefined);
    }
  }
}
