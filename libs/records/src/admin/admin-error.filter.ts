import { Catch, HttpException, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';

/**
 * The admin API's errors, as `{"error": message}`: a client error with its status (401 with the Bearer
 * challenge), and anything else — Redis unreachable, a command timed out — as 503.
 */
@Catch()
export class AdminErrorFilter implements ExceptionFilter {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const { httpAdapter } = this.adapterHost;
    const response = host.switchToHttp().getResponse<unknown>();
    if (!(exception instanceof HttpException)) {
      const message = `delivery records unavailable: ${(exception as Error).message}`;
      httpAdapter.reply(response, { error: message }, HttpStatus.SERVICE_UNAVAILABLE);
      return;
    }
    const status = exception.getStatus();
    if (status === HttpStatus.UNAUTHORIZED)
      httpAdapter.setHeader(response, 'www-authenticate', 'Bearer realm="registry-debug"');
    httpAdapter.reply(response, { error: exception.message }, status);
  }
}
