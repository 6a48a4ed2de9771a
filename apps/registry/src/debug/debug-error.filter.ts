import { Catch, HttpException, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Logger } from '@app/logging';

/**
 * The debug listener's errors outside a route's own handling (the admin routes have theirs), as
 * `{"error": message}`: no route (404 "not found", whatever the method), a body over the limit (413), and
 * anything unexpected (500, logged).
 */
@Catch()
export class DebugErrorFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<Request>();
    const response = host.switchToHttp().getResponse<Response>();
    if (exception instanceof HttpException) {
      response.status(exception.getStatus()).json({ error: message(exception, request) });
      return;
    }
    this.logger.error({ err: exception, path: request.url }, 'debug listener: request failed');
    if (response.headersSent) response.destroy();
    else response.status(HttpStatus.INTERNAL_SERVER_ERROR).json({ error: 'internal error' });
  }
}

function message(exception: HttpException, request: Request): string {
  const status = exception.getStatus();
  if (status === HttpStatus.NOT_FOUND && !request.route) return 'not found';
  if (status === HttpStatus.PAYLOAD_TOO_LARGE) return 'body too large';
  return exception.message;
}
