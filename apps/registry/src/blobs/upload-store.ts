import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { PathNotFoundError, StorageDriver, type FileWriter } from '@app/storage';
import { RegistryError } from '../errors/index.js';
import { Paths } from '../storage/index.js';
import { uploadRange } from './byte-ranges.js';

const UPLOAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Upload sessions in storage (`_uploads/<uuid>/data` and `startedat`, distribution's layout), so that an
 * upload survives a restart and can be continued by any registry process over the same storage. The
 * session id is a random UUID; anything else is unknown (and so never reaches a storage path).
 */
@Injectable()
export class UploadStore {
  constructor(private readonly driver: StorageDriver) {}

  /** A new session: only `startedat` is written; the data file comes with the first bytes. */
  async create(repository: string, now = new Date()): Promise<string> {
    const id = randomUUID();
    await this.driver.putContent(Paths.uploadStartedAt(repository, id), Buffer.from(now.toISOString()));
    return id;
  }

  /** Bytes received so far; BLOB_UPLOAD_UNKNOWN (404) when there is no such upload in `repository`. */
  async size(repository: string, id: string): Promise<number> {
    if (!UPLOAD_ID.test(id)) throw unknownUpload(id);
    const data = await this.stat(Paths.uploadData(repository, id));
    if (data !== undefined) return data;
    if ((await this.stat(Paths.uploadStartedAt(repository, id))) !== undefined) return 0;
    throw unknownUpload(id);
  }

  dataPath(repository: string, id: string): string {
    return Paths.uploadData(repository, id);
  }

  appender(repository: string, id: string): Promise<FileWriter> {
    return this.driver.writer(Paths.uploadData(repository, id), true);
  }

  /** The first `size` bytes of the upload's data. */
  reader(repository: string, id: string, size: number): Promise<Readable> {
    return this.driver.reader(Paths.uploadData(repository, id), 0, size - 1);
  }

  private async stat(path: string): Promise<number | undefined> {
    try {
      return (await this.driver.stat(path)).size;
    } catch (error) {
      if (error instanceof PathNotFoundError) return undefined;
      throw error;
    }
  }

  /** Removes the session and its data; absent already is fine. */
  async remove(repository: string, id: string): Promise<void> {
    await this.driver.delete(Paths.uploadDir(repository, id)).catch((error: unknown) => {
      if (!(error instanceof PathNotFoundError)) throw error;
    });
  }
}

export function unknownUpload(id: string): RegistryError {
  return new RegistryError('BLOB_UPLOAD_UNKNOWN', undefined, { id: id.slice(0, 100) });
}

/**
 * 416 for a chunk that does not start where the upload ends (`offset`), or whose Content-Range is
 * malformed (no offset), with the upload's progress headers so the client can go on from there.
 */
export function outOfOrder(repository: string, id: string, size: number, offset?: number): RegistryError {
  const message = offset === undefined ? 'malformed Content-Range' : 'chunk out of order';
  return new RegistryError(
    'RANGE_INVALID',
    message,
    { offset, expected: size },
    {
      Location: `/v2/${repository}/blobs/uploads/${id}`,
      Range: uploadRange(size),
      'Docker-Upload-UUID': id,
    },
  );
}
