import { Module, type DynamicModule } from '@nestjs/common';
import { RegistryConfig } from '@app/config';
import { AppLogger } from '@app/logging';
import { HttpSecret, resolveHttpSecret } from './http-secret.js';

/** Provides `HttpSecret` (http.secret, or a random one with a warning) to every module. */
@Module({})
export class ServerModule {
  static forRoot(): DynamicModule {
    return {
      module: ServerModule,
      global: true,
      providers: [
        {
          provide: HttpSecret,
          useFactory: (config: RegistryConfig, logger: AppLogger) => resolveHttpSecret(config.http.secret, logger),
          inject: [RegistryConfig, AppLogger],
        },
      ],
      exports: [HttpSecret],
    };
  }
}
