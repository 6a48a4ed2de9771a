import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { BaseController } from './base.controller.js';
import { RepositoryPathMiddleware } from './repository-path.middleware.js';

/**
 * The OCI Distribution API. Controllers are thin: parse, call one repository service method, set status
 * and headers. Blob/upload and manifest/tag/catalog/referrers controllers are added to `controllers`.
 */
@Module({
  controllers: [BaseController],
})
export class HttpApiModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RepositoryPathMiddleware).forRoutes('*path');
  }
}
