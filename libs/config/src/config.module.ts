import { Module, type DynamicModule } from '@nestjs/common';
import { RegistryConfig } from './registry.config.js';

/** Provides the loaded RegistryConfig (injected by its class) to every module of an app. */
@Module({})
export class ConfigModule {
  static forRoot(config: RegistryConfig): DynamicModule {
    return {
      module: ConfigModule,
      global: true,
      providers: [{ provide: RegistryConfig, useValue: config }],
      exports: [RegistryConfig],
    };
  }
}
