import { Injectable } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { digestOf, type DigestAlgorithm } from '@app/oci';
import { PathNotFoundError, StorageDriver } from '@app/storage';
import { Paths } from './paths.js';

/** How long a redirect URL stays valid (distribution: 20 minutes). */
const REDIRECT_SECONDS = 20 * 60;

export interface StoredBlob {
  digest: string;
  size: number;
}

/**
 * Content-addressable blobs shared by all repositories (blobs/<alg>/<xx>/<hex>/data). Content lands here
 * only whole and verified: `ingest` moves an upload whose digest was checked, `put` writes small content
 * (manifests) atomically. Visibility in a repository is the LinkStore's business.
 */
@Injectable()
export class BlobStore {
  constructor(private readonly driver: StorageDriver) {}

  /** Size of the blob, or undefined when it does not exist. */
  async stat(digest: string): Promise<StoredBlob | undefined> {
    try {
      const info = await this.driver.stat(Paths.blobData(digest));
      return { digest, size: info.size };
    } catch (error) {
      if (error instanceof PathNotFoundError) return undefined;
      throw error;
    }
  }

  reader(digest: string, start?: number, end?: number): Promise<Readable> {
    return this.driver.reader(Paths.blobData(digest), start, end);
  }

  /** A URL the client can fetch the blob from straight out of the store (s3), undefined when there is none. */
  url(digest: string): Promise<string | undefined> {
    return this.driver.urlFor(Paths.blobData(digest), { method: 'GET', expiresIn: REDIRECT_SECONDS });
  }

  getContent(digest: string): Promise<Buffer> {
    return this.driver.getContent(Paths.blobData(digest));
  }

  /** Stores small content under its digest (idempotent). */
  async put(content: Buffer, algorithm: DigestAlgorithm = 'sha256'): Promise<StoredBlob> {
    const digest = digestOf(content, algorithm);
    const existing = await this.stat(digest);
    if (!existing) await this.driver.putContent(Paths.blobData(digest), content);
    return { digest, size: content.length };
  }

  /**
   * Moves a verified upload's data into place as `digest`. When the blob already exists (another client
   * pushed the same content first) the upload is simply dropped: both pushes succeed, the blob is intact.
   */
  async ingest(uploadData: string, digest: string): Promise<StoredBlob> {
    const existing = await this.stat(digest);
    if (existing) {
      await this.driver.delete(uploadData).catch(() => undefined);
      return existing;
    }
    await this.driver.move(uploadData, Paths.blobData(digest));
    return (await this.stat(digest))!;
  }

  /** Removes the content itself (garbage collection); repositories' links are separate. */
  async delete(digest: string): Promise<void> {
    await this.driver.delete(Paths.blobDir(digest));
  }
}
