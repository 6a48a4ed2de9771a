import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional, ValidateBy } from 'class-validator';
import { Ignored, IsText } from './decorators.js';

const MiB = 1024 * 1024;

/**
 * A byte count: a number or a numeric string in the file (distribution takes both), at least `min` and at
 * most `max`.
 */
function Bytes(min: number, max = Number.MAX_SAFE_INTEGER): PropertyDecorator {
  return (target, key) => {
    Transform(({ value }) => (typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value))(
      target,
      key,
    );
    ValidateBy({
      name: 'isBytes',
      validator: {
        validate: (value) => Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max,
        defaultMessage: () => `must be a whole number of bytes from ${min} to ${max}`,
      },
    })(target, key);
  };
}

/** A count: a positive integer (or its text). */
function Count(max: number): PropertyDecorator {
  return Bytes(1, max);
}

export const S3_STORAGE_CLASSES = [
  'STANDARD',
  'REDUCED_REDUNDANCY',
  'STANDARD_IA',
  'ONEZONE_IA',
  'INTELLIGENT_TIERING',
  'GLACIER_IR',
  'NONE',
] as const;

/**
 * storage.s3: distribution's s3 driver keys, with its defaults. `forcepathstyle` defaults to true when
 * `regionendpoint` is set (distribution 2.8 forces path style whenever it is).
 */
export class S3Config {
  /** Absent with secretkey: the AWS SDK's default credential chain (environment, profile, instance role). */
  @IsOptional() @IsText() accesskey?: string;
  @IsOptional() @IsText() secretkey?: string;
  @IsOptional() @IsText() sessiontoken?: string;
  @IsText() region!: string;
  /** An S3-compatible endpoint (Ceph RGW, MinIO): `http://host:port`, or `host:port` with `secure`. */
  @IsOptional() @IsText() regionendpoint?: string;
  @IsOptional() @IsBoolean() forcepathstyle?: boolean;
  @IsText() bucket!: string;
  @IsOptional() @IsBoolean() encrypt = false;
  @IsOptional() @IsText() keyid?: string;
  @IsOptional() @IsBoolean() secure = true;
  @IsOptional() @IsBoolean() skipverify = false;
  /** Signature V4 is the only signing the AWS SDK v3 has: false stops the start. */
  @IsOptional()
  @IsIn([true], { message: 'must be true: the AWS SDK v3 signs with Signature V4 only' })
  v4auth = true;
  @IsOptional() @Bytes(5 * MiB, 5 * 1024 * MiB) chunksize = 10 * MiB;
  @IsOptional() @Bytes(5 * MiB, 5 * 1024 * MiB) multipartcopychunksize = 32 * MiB;
  @IsOptional() @Count(10_000) multipartcopymaxconcurrency = 100;
  @IsOptional() @Bytes(0, 5 * 1024 * MiB) multipartcopythresholdsize = 32 * MiB;
  @IsOptional() @IsText() rootdirectory = '';
  @IsOptional() @IsIn(S3_STORAGE_CLASSES) storageclass: (typeof S3_STORAGE_CLASSES)[number] = 'STANDARD';
  @IsOptional() @IsText() useragent?: string;
  @IsOptional() @IsIn(['private', 'public-read', 'bucket-owner-full-control']) objectacl?: string;
  @IsOptional() @IsBoolean() accelerate = false;
  @IsOptional() @IsBoolean() usedualstack = false;
  /** off, or one of the SDK log levels of distribution (debug, debugwithsigning, …): the SDK logs at debug. */
  @IsOptional() @IsText() loglevel = 'off';
  /** distribution's bound on its own goroutines; accepted, not acted on. */
  @Ignored() maxrequestsperhost?: unknown;
}

/**
 * storage.rados: distribution's seed driver. Files are stored in `chunksize` objects of the pool; the
 * directory tree is kept in omap. librados reads `conffile` (the monitors, keys) and connects as `username`.
 */
export class RadosConfig {
  @IsText() poolname!: string;
  /** The Ceph client name without `client.` (e.g. `registry`); absent: librados's default (admin). */
  @IsOptional() @IsText() username?: string;
  @IsOptional() @Bytes(64 * 1024, 128 * MiB) chunksize = 4 * MiB;
  @IsOptional() @IsText() conffile = '/etc/ceph/ceph.conf';
}
