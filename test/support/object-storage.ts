import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { MicroCeph } from '@app/testing';

/** An SDK client of the cluster's RGW (path style, as RGW on loopback wants). */
export function rgwClient(ceph: MicroCeph): S3Client {
  const { endpoint, accessKey, secretKey, region } = ceph.s3;
  return new S3Client({
    endpoint,
    region,
    forcePathStyle: true,
    credentials: { accessKeyId: accessKey, secretAccessKey: secretKey },
  });
}

export async function createBucket(ceph: MicroCeph, bucket: string): Promise<void> {
  const client = rgwClient(ceph);
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    client.destroy();
  }
}

/** `storage.s3` for the cluster's RGW, as a user writes it. */
export function s3Storage(ceph: MicroCeph, bucket: string, extra: Record<string, unknown> = {}) {
  return {
    accesskey: ceph.s3.accessKey,
    secretkey: ceph.s3.secretKey,
    region: ceph.s3.region,
    regionendpoint: ceph.s3.endpoint,
    bucket,
    ...extra,
  };
}

/** `storage.rados` for a pool of the cluster. */
export function radosStorage(ceph: MicroCeph, poolname: string, extra: Record<string, unknown> = {}) {
  return { poolname, conffile: ceph.conf, ...extra };
}
