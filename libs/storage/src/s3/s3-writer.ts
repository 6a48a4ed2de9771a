import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import { StorageError } from '../errors.js';
import { StagedWriter } from '../staged-writer.js';
import { copyParts, copyRanges, type CopySettings } from './s3-copy.js';

/** S3's smallest part (all but the last), and its largest copied one. */
export const MIN_PART = 5 * 1024 * 1024;
const MAX_COPY_PART = 5 * 1024 * 1024 * 1024;
/** Parts on the wire at once while the next one fills: memory stays within (1 + this) × chunksize. */
const PARTS_IN_FLIGHT = 2;

export interface WriterTarget {
  client: S3Client;
  key: string;
  path: string;
  chunkSize: number;
  copy: CopySettings;
  /** An SDK failure as the port's error. */
  fail(error: unknown): StorageError;
  /** Called once when the writer is done (closed, committed or cancelled). */
  done(): void;
  /** Deletes the object (cancel). */
  remove(): Promise<void>;
  /** The object's content (an object under 5 MiB being continued is read back into the buffer). */
  read(): Promise<Buffer>;
}

/**
 * A file written as a multipart upload (distribution's s3 writer): bytes gather in a `chunksize` buffer, each
 * full buffer goes out as a part while the next fills. `close` and `commit` both complete the upload, so what
 * was written is an object in the bucket and the next writer, in this process or another, can append: an
 * object of 5 MiB or more becomes the first part of the new upload by a server-side copy, a smaller one is
 * read back into the buffer. Nothing is ever held whole in memory.
 */
export class S3Writer extends StagedWriter {
  private buffer?: Buffer;
  private filled = 0;
  private uploadId?: string;
  private nextPart = 1;
  private readonly parts: CompletedPart[] = [];
  private dirty = false;
  /** Bytes of the existing object carried over by a server-side copy (0 when there were none or under 5 MiB). */
  private readonly copied: number;

  /** `base`: bytes already in the object this writer continues (append), else 0. */
  constructor(
    private readonly target: WriterTarget,
    private readonly base: number,
  ) {
    super(base, target.path);
    this.copied = base >= MIN_PART ? base : 0;
  }

  protected async discard(): Promise<void> {
    this.buffer = undefined;
    await this.abortUpload();
    try {
      await this.target.remove();
    } finally {
      this.target.done();
    }
  }

  protected async take(chunk: Buffer): Promise<void> {
    if (chunk.length === 0) return;
    if (!this.dirty) {
      this.dirty = true;
      // A small object being continued is read back into the buffer: it becomes part of the first part.
      if (this.base > 0 && this.copied === 0) {
        this.buffer = Buffer.allocUnsafe(this.target.chunkSize);
        this.filled = (await this.target.read()).copy(this.buffer);
      }
    }
    for (let offset = 0; offset < chunk.length;) {
      this.buffer ??= Buffer.allocUnsafe(this.target.chunkSize);
      const copied = chunk.copy(this.buffer, this.filled, offset);
      this.filled += copied;
      offset += copied;
      if (this.filled === this.buffer.length) await this.flush();
    }
  }

  /** Sends the full buffer as the next part; waits while PARTS_IN_FLIGHT are out. */
  private async flush(): Promise<void> {
    const body = this.buffer!.subarray(0, this.filled);
    this.buffer = undefined;
    this.filled = 0;
    await this.start();
    const upload: Promise<void> = this.sendPart(this.nextPart++, body).finally(() => this.inflight.delete(upload));
    upload.catch(() => undefined);
    this.inflight.add(upload);
    if (this.inflight.size >= PARTS_IN_FLIGHT) await Promise.race(this.inflight);
  }

  /** Completes what was written into the object; a writer that wrote nothing leaves the object as it is. */
  protected async finish(): Promise<void> {
    const { client, copy, key } = this.target;
    try {
      await this.pending;
      if (!this.dirty) return;
      if (!this.uploadId && this.copied === 0) {
        const body = this.buffer?.subarray(0, this.filled) ?? Buffer.alloc(0);
        await client.send(
          new PutObjectCommand({
            Bucket: copy.bucket,
            Key: key,
            Body: body,
            ContentLength: body.length,
            ...copy.object,
          }),
        );
        return;
      }
      await this.start();
      if (this.filled > 0) await this.sendPart(this.nextPart++, this.buffer!.subarray(0, this.filled));
      await Promise.all(this.inflight);
      const Parts = [...this.parts].sort((a, b) => a.PartNumber! - b.PartNumber!);
      await client.send(
        new CompleteMultipartUploadCommand({
          Bucket: copy.bucket,
          Key: key,
          UploadId: this.uploadId,
          MultipartUpload: { Parts },
        }),
      );
      this.uploadId = undefined;
    } catch (error) {
      await Promise.allSettled(this.inflight);
      await this.abortUpload();
      throw this.target.fail(error);
    } finally {
      this.buffer = undefined;
      this.target.done();
    }
  }

  /** Opens the multipart upload, its first parts copied from the object being continued. */
  private async start(): Promise<void> {
    if (this.uploadId) return;
    const { client, copy, key } = this.target;
    const created = await client.send(
      new CreateMultipartUploadCommand({ Bucket: copy.bucket, Key: key, ...copy.object }),
    );
    this.uploadId = created.UploadId!;
    if (this.copied === 0) return;
    const ranges = copyRanges(this.copied, Math.ceil(this.copied / Math.ceil(this.copied / MAX_COPY_PART)));
    this.parts.push(...(await copyParts(client, copy, key, key, this.uploadId, ranges, 1)));
    this.nextPart = ranges.length + 1;
  }

  private async sendPart(number: number, body: Buffer): Promise<void> {
    const { client, copy, key } = this.target;
    const answer = await client.send(
      new UploadPartCommand({
        Bucket: copy.bucket,
        Key: key,
        UploadId: this.uploadId,
        PartNumber: number,
        Body: body,
        ContentLength: body.length,
      }),
    );
    this.parts.push({ PartNumber: number, ETag: answer.ETag });
  }

  private async abortUpload(): Promise<void> {
    if (!this.uploadId) return;
    const { client, copy, key } = this.target;
    const UploadId = this.uploadId;
    this.uploadId = undefined;
    await client
      .send(new AbortMultipartUploadCommand({ Bucket: copy.bucket, Key: key, UploadId }))
      .catch(() => undefined);
  }
}
