import { RegistryError } from '../errors/index.js';

/**
 * What went wrong asking an upstream. `unavailable`: unreachable, timed out, 429 or 5xx (what is cached is
 * served instead); `unknown`: it has no such manifest, blob or repository (404); `denied`: it refused our
 * credentials (401/403); `invalid`: it sent something that is not what was asked for (wrong digest, no
 * digest, a manifest too large).
 */
export type UpstreamFailure = 'unavailable' | 'unknown' | 'denied' | 'invalid';

export class UpstreamError extends Error {
  override name = 'UpstreamError';

  constructor(
    readonly failure: UpstreamFailure,
    message: string,
    readonly status?: number,
    readonly retryAfter?: string,
  ) {
    super(message);
  }

  /** The spec's error for a client whose content was never cached. */
  toRegistryError(notFound: RegistryError): RegistryError {
    if (this.failure === 'unknown') return notFound;
    if (this.failure === 'denied') return new RegistryError('DENIED', `upstream refused: ${this.message}`);
    if (this.status === 429) {
      const headers: Record<string, string> = this.retryAfter ? { 'Retry-After': this.retryAfter } : {};
      return new RegistryError('TOOMANYREQUESTS', 'upstream rate limit', undefined, headers);
    }
    if (this.failure === 'invalid')
      return new RegistryError('UNAVAILABLE', `upstream sent bad content: ${this.message}`);
    return new RegistryError('UNAVAILABLE', `upstream unavailable: ${this.message}`);
  }
}

/** The failure an upstream's HTTP status means (2xx and 3xx are not failures). */
export function failureOf(status: number): UpstreamFailure {
  if (status === 404) return 'unknown';
  if (status === 401 || status === 403) return 'denied';
  return 'unavailable';
}
