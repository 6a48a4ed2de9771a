import { Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { RegistryConfig } from '@app/config';
import { AppLogger } from '@app/logging';
import { StorageDriver } from '@app/storage';
import { instanceId } from '../instance.js';
import { HealthChecks } from './health-checks.js';

/** HealthChecks over the app's storage driver and Redis; HealthController serves them on the debug listener. */
@Module({})
export class HealthModule implements OnApplicationShutdown {
  constructor(private readonly checks: HealthChecks) {}

  static forRoot(): DynamicModule {
    return {
      module: HealthModule,
      global: true,
      providers: [
        {
          provide: HealthChecks,
          useFactory: (config: RegistryConfig, logger: AppLogger, storage?: StorageDriver) =>
            new HealthChecks(config, instanceId, storage, logger),
          inject: [RegistryConfig, AppLogger, { token: StorageDriver, optional: true }],
        },
      ],
      exports: [HealthChecks],
    };
  }

  onApplicationShutdown(): void {
    this.checks.close();
  }
}
