import { ERROR_CODES, type ErrorCode } from './error-codes.js';

/** An error with a spec code; thrown anywhere below the controllers, written by RegistryErrorFilter. */
export class RegistryError extends Error {
  override name = 'RegistryError';
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly detail?: unknown,
    /** Extra response headers (WWW-Authenticate, Range, Retry-After...). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message ?? ERROR_CODES[code].message);
    this.status = ERROR_CODES[code].status;
  }

  /** The spec's body: {"errors":[{code, message, detail}]}. */
  toBody(): { errors: { code: ErrorCode; message: string; detail?: unknown }[] } {
    return {
      errors: [
        { code: this.code, message: this.message, ...(this.detail === undefined ? {} : { detail: this.detail }) },
      ],
    };
  }
}
