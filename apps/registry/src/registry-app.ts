import { NestFactory } from '@nestjs/core';
import type { ExpressAdapter, NestExpressApplication } from '@nestjs/platform-express';
import type { RegistryConfig } from '@app/config';
import { NestPinoLogger, type Logger } from '@app/logging';
import { RegistryModule } from './registry.module.js';
import { RegistryErrorFilter } from './errors/index.js';
import { RegistryListener, type RequestObserver } from './server/index.js';
import { repositoryPaths } from './http/repository-path.middleware.js';

export interface RegistryApp {
  app: NestExpressApplication;
  listener: RegistryListener;
}

/**
 * The registry's Nest app on its own listener, initialised and ready to `listener.listen()`: what main.ts
 * runs, and what in-process tests start, so both serve through the same middleware, settings and filter.
 */
export async function createRegistryApp(
  config: RegistryConfig,
  logger: Logger,
  observers: readonly RequestObserver[] = [],
): Promise<RegistryApp> {
  const app = await NestFactory.create<NestExpressApplication>(RegistryModule.forRoot(config, logger), {
    bodyParser: false,
    logger: new NestPinoLogger(logger),
    abortOnError: false,
  });
  const listener = new RegistryListener(config.http, app.getHttpAdapter().getInstance());
  // Node ends any request still arriving after 5 minutes (requestTimeout); a large layer pushed over a
  // slow link takes longer, and distribution sets no such limit. Idle and header timeouts still apply.
  listener.server.requestTimeout = 0;
  (app.getHttpAdapter() as ExpressAdapter).setHttpServer(listener.server);
  listener.install(app, logger, config.log, observers);
  app.use(repositoryPaths);
  app.disable('x-powered-by');
  app.getHttpAdapter().getInstance().locals.config = config;
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.useGlobalFilters(new RegistryErrorFilter(logger));
  await app.init();
  return { app, listener };
}
