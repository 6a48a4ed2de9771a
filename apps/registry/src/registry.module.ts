import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule, type RegistryConfig } from '@app/config';
import type { Logger } from '@app/logging';
import { LoggerModule } from '@app/logging';
import { HttpApiModule } from './http/http.module.js';
import { AuthModule } from './auth/index.js';
import { ServerModule } from './server/index.js';
import { CacheModule } from './cache/index.js';
import { NotificationsModule } from './notifications/index.js';
import { MailModule } from '@app/mail';
import { instanceId } from './instance.js';
import { StorageModule } from '@app/storage';
import { RepositoryModule } from './repository.module.js';
import { ProxyModule } from './proxy/index.js';
import { DebugModule } from './debug/index.js';
import { GcModule } from './gc/index.js';
import { HealthModule, StorageOutageDriver } from './health/index.js';
import { InstrumentedStorageDriver } from './metrics/index.js';

/**
 * The registry app: wires the areas (storage, repository, notifications, http, auth, debug). Areas add
 * their module to `imports` here and nothing else.
 */
@Module({})
export class RegistryModule {
  static forRoot(config: RegistryConfig, logger: Logger): DynamicModule {
    return {
      module: RegistryModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(logger),
        MailModule.forRoot({ app: 'registry', instance: instanceId }),
        ServerModule.forRoot(),
        AuthModule.forRoot(config),
        StorageModule.forRoot(
          config,
          (driver) => new StorageOutageDriver(new InstrumentedStorageDriver(driver), logger),
        ),
        CacheModule.forRoot(config),
        NotificationsModule,
        ProxyModule,
        GcModule,
        RepositoryModule,
        HttpApiModule,
        DebugModule,
        HealthModule.forRoot(),
      ],
    };
  }
}
