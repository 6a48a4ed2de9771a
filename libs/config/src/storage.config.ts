import { IsBoolean, IsIn, IsOptional } from 'class-validator';
import { Duration, Ignored, Section, IsText } from './decorators.js';
import { RadosConfig, S3Config } from './object-storage.config.js';

export const STORAGE_DRIVERS = ['filesystem', 'inmemory', 's3', 'rados'] as const;
export type StorageDriverName = (typeof STORAGE_DRIVERS)[number];

export class FilesystemConfig {
  @IsOptional() @IsText() rootdirectory = '/var/lib/registry';
  /** distribution's bound on concurrent filesystem calls; accepted, not acted on. */
  @Ignored() maxthreads?: unknown;
}

/** The inmemory driver takes no parameters: any key under it is unknown. */
export class InmemoryConfig {}

export class DeleteConfig {
  @IsOptional() @IsBoolean() enabled = false;
}

export class UploadPurgingConfig {
  @IsOptional() @IsBoolean() enabled = true;
  @IsOptional() @Duration() age = 168 * 3_600_000;
  @IsOptional() @Duration() interval = 24 * 3_600_000;
  @IsOptional() @IsBoolean() dryrun = false;
}

export class ReadOnlyConfig {
  @IsOptional() @IsBoolean() enabled = false;
}

export class MaintenanceConfig {
  @Section(() => UploadPurgingConfig) uploadpurging: UploadPurgingConfig = new UploadPurgingConfig();
  @Section(() => ReadOnlyConfig) readonly: ReadOnlyConfig = new ReadOnlyConfig();
}

export class CacheConfig {
  @IsOptional() @IsIn(['redis', 'inmemory']) blobdescriptor?: 'redis' | 'inmemory';
  /** The old name of blobdescriptor. */
  @IsOptional() @IsIn(['redis', 'inmemory']) layerinfo?: 'redis' | 'inmemory';
  /** distribution's bound on the inmemory cache's entries; accepted, not acted on (ours holds 100,000). */
  @Ignored() blobdescriptorsize?: unknown;
}

/**
 * Ours: online garbage collection (storage.gc). Every `interval` one registry process (a lock in Redis, so
 * `redis.addr` is required) marks what every manifest revision references and deletes the other blobs, except
 * those younger than `graceperiod` and those a request has used since the mark began.
 */
export class GcConfig {
  @IsOptional() @IsBoolean() enabled = false;
  @IsOptional() @Duration() interval = 24 * 3_600_000;
  @IsOptional() @Duration() graceperiod = 3_600_000;
}

/** Blob GETs on a driver that can give a URL (s3) answer 307 to it unless `disable` (distribution's default). */
export class RedirectConfig {
  @IsOptional() @IsBoolean() disable = false;
}

/**
 * Exactly one driver section (filesystem, inmemory, s3 or rados) names the driver, as in distribution; the loader
 * checks that and fills `driver`.
 */
export class StorageConfig {
  driver!: StorageDriverName;
  @Section(() => FilesystemConfig) filesystem?: FilesystemConfig;
  @Section(() => InmemoryConfig) inmemory?: InmemoryConfig;
  @Section(() => S3Config) s3?: S3Config;
  @Section(() => RadosConfig) rados?: RadosConfig;
  @Section(() => DeleteConfig) delete: DeleteConfig = new DeleteConfig();
  @Section(() => MaintenanceConfig) maintenance: MaintenanceConfig = new MaintenanceConfig();
  @Section(() => CacheConfig) cache: CacheConfig = new CacheConfig();
  @Section(() => RedirectConfig) redirect: RedirectConfig = new RedirectConfig();
  @Section(() => GcConfig) gc: GcConfig = new GcConfig();
}
