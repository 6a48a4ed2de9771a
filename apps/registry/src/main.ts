import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { ExpressAdapter, NestExpressApplication } from '@nestjs/platform-express';
import { ConfigError, configOrExit, versionInfo } from '@app/config';
import { createLogger, NestPinoLogger } from '@app/logging';
import { MailAlerting, describeVersion } from '@app/mail';
import { RegistryModule } from './registry.module.js';
import { RegistryErrorFilter } from './errors/index.js';
import { instanceId } from './instance.js';
import { RegistryListener, requestMetrics, shutdownOnSignals } from './listeners/index.js';
import { repositoryPaths } from './http/repository-path.middleware.js';

async function bootstrap(): Promise<void> {
  const config = configOrExit('registry');
  const { version, commit } = versionInfo();
  const mail = MailAlerting.fromConfig(config, { app: 'registry', instance: instanceId, version: describeVersion() });
  const logger = createLogger({ config: config.log, bindings: { app: 'registry', instance: instanceId }, hooks: mail.hooks });
  mail.start(logger);
  const app = await NestFactory.create<NestExpressApplication>(RegistryModule.forRoot(config, logger), {
    bodyParser: false,
    logger: new NestPinoLogger(logger),
    abortOnError: false,
  });
  const listener = new RegistryListener(config.http, app.getHttpAdapter().getInstance());
  (app.getHttpAdapter() as ExpressAdapter).setHttpServer(listener.server);
  listener.install(app, logger, config.log, [requestMetrics()]);
  app.use(repositoryPaths);
  app.disable('x-powered-by');
  app.getHttpAdapter().getInstance().locals.config = config;
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.useGlobalFilters(new RegistryErrorFilter(logger));
  await app.init();
  const addr = await listener.listen();
  shutdownOnSignals(listener, app, logger);
  logger.info({ version, commit, addr, storage: config.storage.driver }, 'listening');
}

/** A configuration problem found while starting (auth files, TLS files, socket path) exits 1 naming the key. */
function startFailed(error: unknown): never {
  if (error instanceof ConfigError) {
    process.stderr.write(`registry: configuration error: ${error.message}\n`);
  } else {
    process.stderr.write(`registry: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exit(1);
}

bootstrap().catch(startFailed);
