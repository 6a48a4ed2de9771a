import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { RegistryConfig } from '@app/config';
import { requestContext, type AuthenticatedRequest } from './request-context.factory.js';

/**
 * Controller parameter: the RequestContext of this request. `http.host` reaches it through
 * `req.app.locals.httpHost`, which main.ts sets from the config.
 */
export const Ctx = createParamDecorator((_data: unknown, context: ExecutionContext) => {
  const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
  return requestContext(req, (req.app.locals as { config?: RegistryConfig }).config?.http.host);
});
