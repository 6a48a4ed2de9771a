import { Module, type DynamicModule, type MiddlewareConsumer, type NestModule, Inject, Optional } from '@nestjs/common';
import type { RegistryConfig } from '@app/config';
import { AccessController } from './access-controller.js';
import { AuthMiddleware } from './auth.middleware.js';
import { loadAccessController } from './load-access-controller.js';
import { AuthWarnings } from './auth-warnings.js';

/**
 * Access control. `forRoot` loads the configured scheme at once (throwing a ConfigError on any
 * misconfiguration, before the app is built) and applies the middleware to every route; without `auth`
 * the registry is open, as distribution's.
 */
@Module({})
export class AuthModule implements NestModule {
  constructor(@Optional() @Inject(AccessController) private readonly controller?: AccessController) {}

  static forRoot(config: RegistryConfig): DynamicModule {
    const controller = loadAccessController(config.auth);
    const providers = controller
      ? [{ provide: AccessController, useValue: controller }, AuthMiddleware, AuthWarnings]
      : [];
    return { module: AuthModule, providers, exports: controller ? [AccessController] : [] };
  }

  configure(consumer: MiddlewareConsumer): void {
    if (this.controller) consumer.apply(AuthMiddleware).forRoutes('*path');
  }
}
