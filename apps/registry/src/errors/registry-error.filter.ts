import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Logger } from '@app/logging';
import { RegistryError } from './registry-error.js';
import { StorageUnavailableError } from './storage-unavailable.js';

/**
 * Writes every error as the spec's JSON body. RegistryError keeps its code and status; Nest's own
 * HttpExceptions (unknown route, bad method) map onto the nearest code; a failing store is 503 UNAVAILABLE
 * (storage-unavailable.ts: logged at error level once per outage, as a warning after); anything else is a
 * 500 UNKNOWN. A 5xx
 * is logged at error level through the app's logger with method, path, request id, status and the error
 * (class, message, stack) as fields, which the mail hook watches; 4xx answers are the client's business and
 * are not logged here.
 */
@Catch()
export class RegistryErrorFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const request = host.switchToHttp().getRequest<Request>();
    const error = this.toRegistryError(exception, request);
    if (error.status >= 500) this.logFailure(exception, request, error.status);
    if (response.headersSent) {
      response.destroy();
      return;
    }
    for (const [name, value] of Object.entries(error.headers)) response.setHeader(name, value);
    const body = JSON.stringify(error.toBody());
    response.status(error.status).type('application/json; charset=utf-8');
    if (request.method === 'HEAD') response.setHeader('Content-Length', Buffer.byteLength(body)).end();
    else response.send(body);
  }

  private toRegistryError(exception: unknown, request: Request): RegistryError {
    if (exception instanceof RegistryError) return exception;
    if (exception instanceof StorageUnavailableError)
      return new RegistryError('UNAVAILABLE', 'storage unavailable', { reason: exception.reason });
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status === 404) return new RegistryError('NAME_UNKNOWN', 'route not found', { path: request.path });
      if (status === 405) return new RegistryError('UNSUPPORTED');
      if (status === 401) return new RegistryError('UNAUTHORIZED');
      if (status === 403) return new RegistryError('DENIED');
      if (status === 413) return new RegistryError('SIZE_INVALID', 'request entity too large');
      if (status < 500) return new RegistryError('UNSUPPORTED', exception.message);
    }
    return new RegistryError('UNKNOWN', 'an internal error occurred');
  }

  private logFailure(exception: unknown, request: Request, status: number): void {
    const err = exception instanceof Error ? exception : new Error(String(exception));
    const requestId = (request as Request & { requestId?: string }).requestId;
    const fields = { err, method: request.method, path: request.originalUrl, requestId, status };
    if (!(exception instanceof StorageUnavailableError)) {
      this.logger.error(fields, `request failed with ${status}`);
      return;
    }
    const storage = { ...fields, cause: exception.detail };
    if (exception.first) this.logger.error(storage, `request failed with ${status}`);
    else this.logger.warn(storage, `request failed with ${status}`);
  }
}
