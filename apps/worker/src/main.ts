import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { configOrExit, versionInfo } from '@app/config';
import { createLogger, NestPinoLogger } from '@app/logging';
import { WorkerModule } from './worker.module.js';

async function bootstrap(): Promise<void> {
  const config = configOrExit('worker');
  const logger = createLogger({ config: config.log, bindings: { app: 'worker' } });
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config, logger), {
    logger: new NestPinoLogger(logger),
  });
  app.enableShutdownHooks();
  const { version, commit } = versionInfo();
  logger.info({ version, commit, endpoints: config.notifications.endpoints.length }, 'worker started');
}

void bootstrap();
