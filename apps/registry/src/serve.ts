import { ConfigError, configOrExit, versionInfo } from '@app/config';
import { createLogger } from '@app/logging';
import { MailAlerting, describeVersion } from '@app/mail';
import { instanceId } from './instance.js';
import { requestMetrics, shutdownOnSignals } from './server/index.js';
import { createRegistryApp } from './registry-app.js';

async function bootstrap(): Promise<void> {
  const config = configOrExit('registry');
  const { version, commit } = versionInfo();
  const mail = MailAlerting.fromConfig(config, { app: 'registry', instance: instanceId, version: describeVersion() });
  const logger = createLogger({
    config: config.log,
    bindings: { app: 'registry', instance: instanceId },
    hooks: mail.hooks,
  });
  mail.start(logger);
  const { app, listener } = await createRegistryApp(config, logger, [requestMetrics()]);
  const addr = await listener.listen();
  shutdownOnSignals(listener, app, logger);
  logger.info({ version, commit, addr, storage: config.storage.driver }, 'listening');
}

/** A configuration problem found while starting (auth files, TLS files, socket path) exits 1 naming the key. */
function startFailed(error: unknown): never {
  if (error instanceof ConfigError) {
    process.stderr.write(`registry: configuration error: ${error.message}\n`);
  } else {
    process.stderr.write(
      `registry: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
  }
  process.exit(1);
}

/** Serves the registry (main.ts's default command). */
export function serve(): void {
  bootstrap().catch(startFailed);
}
