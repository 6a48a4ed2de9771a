import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { configOrExit, versionInfo } from '@app/config';
import { createLogger, NestPinoLogger } from '@app/logging';
import { RegistryModule } from './registry.module.js';
import { RegistryErrorFilter } from './errors/index.js';
import { instanceId } from './instance.js';

async function bootstrap(): Promise<void> {
  const config = configOrExit('registry');
  const logger = createLogger({ config: config.log, bindings: { app: 'registry', instance: instanceId } });
  const app = await NestFactory.create<NestExpressApplication>(RegistryModule.forRoot(config, logger), {
    bodyParser: false,
    logger: new NestPinoLogger(logger),
  });
  app.disable('x-powered-by');
  app.getHttpAdapter().getInstance().locals.config = config;
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.useGlobalFilters(new RegistryErrorFilter());
  app.enableShutdownHooks();
  const [host, port] = splitAddr(config.http.addr);
  await app.listen(port, host);
  const { version, commit } = versionInfo();
  logger.info({ version, commit, addr: config.http.addr, storage: config.storage.driver }, 'listening');
}

function splitAddr(addr: string): [string, number] {
  const index = addr.lastIndexOf(':');
  const host = addr.slice(0, index).replace(/^\[|\]$/g, '') || '0.0.0.0';
  return [host, Number(addr.slice(index + 1))];
}

void bootstrap();
