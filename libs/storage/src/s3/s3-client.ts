import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { S3Client, S3ServiceException, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { S3Config } from '@app/config';
import { PathNotFoundError, StorageError, StoreUnavailableError } from '../errors.js';

/** Sockets per S3 endpoint: enough for a few multipart uploads and copies side by side. */
const MAX_SOCKETS = 64;

/** Where requests go: `regionendpoint` (with `secure` deciding the scheme when it has none), else AWS. */
export function s3Endpoint(config: S3Config): string | undefined {
  const endpoint = config.regionendpoint?.trim();
  if (!endpoint) return undefined;
  return /^[a-z]+:\/\//i.test(endpoint) ? endpoint : `${config.secure ? 'https' : 'http'}://${endpoint}`;
}

/**
 * The AWS SDK v3 client for `storage.s3`. Checksums only where S3 requires them: Ceph RGW 16 (and other
 * S3-compatible stores) do not understand the SDK's aws-chunked checksum trailers.
 */
export function createS3Client(config: S3Config, log?: (message: string) => void): S3Client {
  const agent = { keepAlive: true, maxSockets: MAX_SOCKETS };
  const options: S3ClientConfig = {
    region: config.region,
    endpoint: s3Endpoint(config),
    forcePathStyle: config.forcepathstyle ?? config.regionendpoint !== undefined,
    useAccelerateEndpoint: config.accelerate,
    useDualstackEndpoint: config.usedualstack,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: {
      httpAgent: new HttpAgent(agent),
      httpsAgent: new HttpsAgent({ ...agent, rejectUnauthorized: !config.skipverify }),
    },
  };
  if (config.accesskey && config.secretkey) {
    options.credentials = {
      accessKeyId: config.accesskey,
      secretAccessKey: config.secretkey,
      sessionToken: config.sessiontoken,
    };
  }
  if (config.useragent) options.customUserAgent = config.useragent;
  if (config.loglevel !== 'off' && log) {
    const write = (...parts: unknown[]) => log(parts.map((part) => JSON.stringify(part)).join(' '));
    options.logger = { trace: write, debug: write, info: write, warn: write, error: write };
  }
  return new S3Client(options);
}

/** HTTP status of an SDK error, if S3 answered at all. */
export function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

/** True for "no such key" (GET) or a bare 404 (HEAD has no body to name the error). */
export function isNotFound(error: unknown): boolean {
  const name = (error as Error)?.name;
  return name === 'NoSuchKey' || name === 'NotFound' || (statusOf(error) === 404 && name !== 'NoSuchBucket');
}

/**
 * An SDK failure as the port's error: a missing key is PathNotFoundError; a missing bucket, a refusal, a 5xx
 * or an endpoint that does not answer is StoreUnavailableError (never "not found"); the rest StorageError.
 */
export function storeError(error: unknown, path: string, bucket: string): StorageError {
  if (error instanceof StorageError) return error;
  if (isNotFound(error)) return new PathNotFoundError(path);
  const name = (error as Error)?.name ?? 'Error';
  const status = statusOf(error);
  const cause = { cause: error };
  if (name === 'NoSuchBucket') return new StoreUnavailableError(`S3 bucket ${bucket} does not exist`, path, cause);
  if (status === 403 || name === 'AccessDenied' || name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch')
    return new StoreUnavailableError(`S3 refused access to bucket ${bucket} (${name})`, path, cause);
  if (!(error instanceof S3ServiceException) || status === undefined || status >= 500) {
    const code = (error as NodeJS.ErrnoException)?.code ?? name;
    const what = status === undefined ? `S3 endpoint did not answer (${code})` : `S3 answered ${status} ${name}`;
    return new StoreUnavailableError(what, path, cause);
  }
  return new StorageError(`S3 ${name}: ${(error as Error).message}`, path);
}

/** The object key of a driver path under `rootdirectory` (distribution's s3Path). */
export function keyPrefix(rootdirectory: string): string {
  const root = rootdirectory.replace(/^\/+|\/+$/g, '');
  return root ? `${root}/` : '';
}
