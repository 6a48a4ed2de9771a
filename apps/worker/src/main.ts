import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { configOrExit, versionInfo } from '@app/config';
import { randomUUID } from 'node:crypto';
import { createLogger, NestPinoLogger } from '@app/logging';
import { MailAlerting, describeVersion } from '@app/mail';
import { WorkerModule } from './worker.module.js';

async function bootstrap(): Promise<void> {
  const config = configOrExit('worker');
  const instance = randomUUID();
  const mail = MailAlerting.fromConfig(config, { app: 'worker', instance, version: describeVersion() });
  const logger = createLogger({ config: config.log, bindings: { app: 'worker', instance }, hooks: mail.hooks });
  mail.start(logger);
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config, logger, instance), {
    logger: new NestPinoLogger(logger),
  });
  app.enableShutdownHooks();
  const { version, commit } = versionInfo();
  logger.info({ version, commit, endpoints: config.notifications.endpoints.length }, 'worker started');
}

void bootstrap();
