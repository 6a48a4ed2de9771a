/**
 * The storage driver failed in a way that is not an answer about the content (not "path not found", not an
 * invalid path or offset): the store is broken, unreachable or refusing. Answered 503 UNAVAILABLE with a
 * clear message, never as an empty registry or a 500. Its message is the same for every path (the error
 * code only), so that the mail hook sees one error however many requests hit it; the driver's own error is
 * `failure` (not `cause`, which the log serializer would append to the message). `first` marks the failure
 * that began an outage (logged at error level and so mailed; the requests that follow it as warnings).
 */
export class StorageUnavailableError extends Error {
  override name = 'StorageUnavailableError';

  constructor(
    readonly driver: string,
    readonly failure: unknown,
    readonly first: boolean,
  ) {
    super(`storage unavailable (${driver}): ${summary(failure)}`);
  }

  /** What the client is told: the driver and the kind of failure, no path. */
  get reason(): string {
    return `the ${this.driver} storage driver failed: ${summary(this.failure)}`;
  }

  /** The driver's error as logged (message with its path, and stack). */
  get detail(): string {
    const failure = this.failure;
    return failure instanceof Error ? (failure.stack ?? failure.message) : String(failure);
  }
}

/** `EACCES`, `storage root is missing`: the errno code when there is one, else the message without paths. */
function summary(cause: unknown): string {
  const error = cause as { code?: unknown; message?: unknown };
  if (typeof error?.code === 'string' && /^E[A-Z]+$/.test(error.code)) return error.code;
  const message = typeof error?.message === 'string' ? error.message : String(cause);
  const code = /\b(E[A-Z]{2,})\b/.exec(message)?.[1];
  return code ?? message.replace(/\s*[:(]?\s*['"]?\/[^\s'"]*['"]?\)?/g, '').trim();
}
