import type { IncomingMessage } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import type { RegistryConfig } from '@app/config';
import { NestPinoLogger, type Logger } from '@app/logging';
import type { HealthChecks } from '../health/index.js';
import { DebugAppModule } from './debug-app.module.js';
import { DebugErrorFilter } from './debug-error.filter.js';

const MAX_BODY = '1mb';

/**
 * The debug listener's Nest app, initialised, not yet listening. JSON out is indented; a POST body is
 * read as text (JSON whatever its content type, parsed by the route once its guard let it through); a
 * query parameter given twice counts once (its first value), as the admin routes have always read it.
 */
export async function createDebugApp(
  config: RegistryConfig,
  logger: Logger,
  health: HealthChecks,
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(
    DebugAppModule.forRoot(config, logger, health),
    new ExpressAdapter(),
    {
      bodyParser: false,
      logger: new NestPinoLogger(logger),
      abortOnError: false,
      forceCloseConnections: true,
    },
  );
  app.useBodyParser('text', { type: (request: IncomingMessage) => request.method === 'POST', limit: MAX_BODY });
  app.set('query parser', firstValues);
  app.set('json spaces', 2);
  app.set('etag', false);
  app.disable('x-powered-by');
  app.useGlobalFilters(new DebugErrorFilter(logger));
  await app.init();
  return app;
}

/** Each query parameter's first value, as URLSearchParams.get() reads it. */
function firstValues(query: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(query)) if (!Object.hasOwn(values, key)) values[key] = value;
  return values;
}
