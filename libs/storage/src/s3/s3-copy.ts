import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  UploadPartCopyCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';

/** What every object written carries: storage class, encryption, ACL (from storage.s3). */
export interface ObjectOptions {
  StorageClass?:
    'STANDARD' | 'REDUCED_REDUNDANCY' | 'STANDARD_IA' | 'ONEZONE_IA' | 'INTELLIGENT_TIERING' | 'GLACIER_IR';
  ServerSideEncryption?: 'AES256' | 'aws:kms';
  SSEKMSKeyId?: string;
  ACL?: 'private' | 'public-read' | 'bucket-owner-full-control';
}

export interface CopySettings {
  bucket: string;
  /** multipartcopythresholdsize: larger objects are copied as parts, side by side. */
  threshold: number;
  /** multipartcopychunksize */
  partSize: number;
  /** multipartcopymaxconcurrency */
  concurrency: number;
  object: ObjectOptions;
}

/** `CopySource` of a key: bucket and key, each segment URL-encoded. */
export function copySource(bucket: string, key: string): string {
  return `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

/**
 * Copies `from` to `to` inside the bucket, server-side (distribution's Move before its Delete): one CopyObject
 * up to the threshold (S3 takes at most 5 GiB that way), above it a multipart upload of UploadPartCopy ranges
 * of `partSize`, `concurrency` at a time.
 */
export async function copyObject(client: S3Client, settings: CopySettings, from: string, to: string, size: number) {
  const { bucket } = settings;
  if (size <= settings.threshold) {
    await client.send(
      new CopyObjectCommand({ Bucket: bucket, Key: to, CopySource: copySource(bucket, from), ...settings.object }),
    );
    return;
  }
  const { UploadId } = await client.send(
    new CreateMultipartUploadCommand({ Bucket: bucket, Key: to, ...settings.object }),
  );
  try {
    const ranges = copyRanges(size, settings.partSize);
    const parts = await copyParts(client, settings, from, to, UploadId!, ranges, 1);
    await client.send(
      new CompleteMultipartUploadCommand({ Bucket: bucket, Key: to, UploadId, MultipartUpload: { Parts: parts } }),
    );
  } catch (error) {
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: to, UploadId })).catch(() => undefined);
    throw error;
  }
}

/** Inclusive byte ranges of at most `partSize` covering `size` bytes. */
export function copyRanges(size: number, partSize: number): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (let start = 0; start < size; start += partSize) ranges.push([start, Math.min(start + partSize, size) - 1]);
  return ranges;
}

/** Copies `ranges` of `from` as parts numbered from `firstPart` of an open multipart upload of `to`. */
export async function copyParts(
  client: S3Client,
  settings: CopySettings,
  from: string,
  to: string,
  uploadId: string,
  ranges: Array<[number, number]>,
  firstPart: number,
): Promise<CompletedPart[]> {
  const parts: CompletedPart[] = new Array(ranges.length);
  let next = 0;
  const lane = async () => {
    while (next < ranges.length) {
      const index = next++;
      const [start, end] = ranges[index];
      const answer = await client.send(
        new UploadPartCopyCommand({
          Bucket: settings.bucket,
          Key: to,
          UploadId: uploadId,
          PartNumber: firstPart + index,
          CopySource: copySource(settings.bucket, from),
          CopySourceRange: `bytes=${start}-${end}`,
        }),
      );
      parts[index] = { PartNumber: firstPart + index, ETag: answer.CopyPartResult?.ETag };
    }
  };
  await Promise.all(Array.from({ length: Math.min(settings.concurrency, ranges.length) }, lane));
  return parts;
}
