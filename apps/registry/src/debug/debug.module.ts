import { Global, Module } from '@nestjs/common';
import { DebugRoutesService } from './debug-routes.service.js';
import { DebugServer } from './debug-server.js';

/**
 * The debug listener (`http.debug.addr`): /metrics and the admin API. Other areas add routes by injecting
 * DebugServer (global) and calling `route()` in their onModuleInit (the health area's `/debug/health`).
 */
@Global()
@Module({
  providers: [DebugServer, DebugRoutesService],
  exports: [DebugServer],
})
export class DebugModule {}
