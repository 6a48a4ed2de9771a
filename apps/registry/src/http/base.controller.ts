import { Controller, Get, Head, Header } from '@nestjs/common';

/** GET /v2/: the API version check every client starts with. */
@Controller()
export class BaseController {
  @Get('v2')
  @Head('v2')
  @Header('Docker-Distribution-API-Version', 'registry/2.0')
  @Header('Content-Type', 'application/json')
  check(): Record<string, never> {
    return {};
  }
}
