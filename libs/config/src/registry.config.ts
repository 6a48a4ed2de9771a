import { Ignored, Section, IsText } from './decorators.js';
import { LogConfig } from './log.config.js';
import { StorageConfig } from './storage.config.js';
import { HttpConfig } from './http.config.js';
import { RedisConfig } from './redis.config.js';
import { NotificationsConfig } from './notifications.config.js';
import { AuthConfig } from './auth.config.js';
import { ProxyConfig } from './proxy.config.js';
import { AuditConfig } from './audit.config.js';

/**
 * The whole configuration, in distribution's shape. Loaded and validated once by `loadConfig`; Nest
 * providers inject it by this class. Treat it as read-only.
 */
export class RegistryConfig {
  @IsText() version = '0.1';
  @Section(() => LogConfig) log: LogConfig = new LogConfig();
  @Section(() => StorageConfig) storage!: StorageConfig;
  @Section(() => HttpConfig) http: HttpConfig = new HttpConfig();
  @Section(() => RedisConfig) redis: RedisConfig = new RedisConfig();
  @Section(() => NotificationsConfig) notifications: NotificationsConfig = new NotificationsConfig();
  @Section(() => AuditConfig) audit: AuditConfig = new AuditConfig();
  @Section(() => AuthConfig) auth?: AuthConfig;
  @Section(() => ProxyConfig) proxy?: ProxyConfig;
  // distribution's, accepted and not acted on: loglevel (deprecated there for log.level), middleware, reporting
  // (bugsnag, newrelic), health (we always check the storage driver, and Redis), catalog.maxentries (ours: 1000,
  // distribution's default), compatibility (schema1), validation (manifest URLs), policy.
  @Ignored() loglevel?: unknown;
  @Ignored() middleware?: unknown;
  @Ignored() reporting?: unknown;
  @Ignored() health?: unknown;
  @Ignored() catalog?: unknown;
  @Ignored() compatibility?: unknown;
  @Ignored() validation?: unknown;
  @Ignored() policy?: unknown;
  /** Path of the file this was read from, if any. Not a config key. */
  source?: string;
}
