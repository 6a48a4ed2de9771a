import type { Logger } from '@app/logging';
import type { RegistryListener } from './registry-listener.js';

export interface Closable {
  close(): Promise<void>;
}

/**
 * SIGTERM/SIGINT: drain the listener (in-flight requests finish within `http.draintimeout`, no new
 * ones start), then close the app (its modules' shutdown hooks: queues, spool, Redis), then exit 0.
 * A second signal exits at once.
 */
export function shutdownOnSignals(listener: RegistryListener, app: Closable, logger: Logger): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal, inflight: listener.requestsInFlight }, 'shutting down: draining requests');
    void (async () => {
      const cut = await listener.drain();
      if (cut > 0) logger.warn({ cut }, 'drain timeout reached: closing requests still in flight');
      await app.close();
      logger.info('stopped');
      logger.flush?.();
      process.exit(0);
    })().catch((error: unknown) => {
      logger.error({ err: error }, 'error during shutdown');
      process.exit(1);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
