import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';

/**
 * The client went away in the middle of sending a body. Not a failure of ours and not a bad request:
 * the bytes received so far are kept and the upload resumes from them; nothing is answered (there is
 * nobody to answer), nothing is logged at error level.
 */
export class ClientDisconnectedError extends Error {
  override name = 'ClientDisconnectedError';

  constructor(
    readonly uploadId: string,
    /** Bytes of the upload kept, which a status request now reports. */
    readonly offset: number,
    options?: { cause?: unknown },
  ) {
    super(`client disconnected during upload ${uploadId}; ${offset} bytes kept`, options);
  }
}

/** Ends the exchange quietly (the access log records it as 499). */
@Catch(ClientDisconnectedError)
export class ClientDisconnectedFilter implements ExceptionFilter {
  catch(_error: ClientDisconnectedError, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (!response.destroyed) response.destroy();
  }
}
