import { randomBytes } from 'node:crypto';
import type { Logger } from '@app/logging';

/**
 * `http.secret`: the key the HTTP core signs upload state with, so that any registry behind a load
 * balancer can resume an upload started on another. Inject `HttpSecret` and read `value`.
 */
export abstract class HttpSecret {
  abstract readonly value: string;
}

/** The configured secret, or a random one with distribution's warning. */
export function resolveHttpSecret(configured: string | undefined, logger: Logger): HttpSecret {
  if (configured) return { value: configured };
  logger.warn(
    'No HTTP secret provided - generated random secret. This may cause problems with uploads if multiple registries are behind a load-balancer. To provide a shared secret, set http.secret in the configuration file or the REGISTRY_HTTP_SECRET environment variable.',
  );
  return { value: randomBytes(32).toString('base64url') };
}
