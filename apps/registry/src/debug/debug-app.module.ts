import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule, redisConfigured, type RegistryConfig } from '@app/config';
import { LoggerModule, type Logger } from '@app/logging';
import { AdminModule } from '@app/records';
import { HealthChecks, HealthController } from '../health/index.js';
import { instanceId } from '../instance.js';
import { metricsController } from './metrics.controller.js';

/**
 * The debug listener's app (a Nest app of its own beside the registry's): `/debug/health` over the
 * registry's HealthChecks, `/metrics` when `http.debug.prometheus.enabled`, and, when Redis is configured,
 * the admin plane of @app/records (its routes under `/admin`, the delivery metrics for `/metrics`).
 */
@Module({})
export class DebugAppModule {
  static forRoot(config: RegistryConfig, logger: Logger, health: HealthChecks): DynamicModule {
    const { prometheus } = config.http.debug!;
    const eventSource = { addr: config.http.host ?? config.http.addr, instanceID: instanceId };
    const admin = redisConfigured(config.redis) ? [AdminModule.forRoot({ eventSource })] : [];
    return {
      module: DebugAppModule,
      imports: [ConfigModule.forRoot(config), LoggerModule.forRoot(logger), ...admin],
      controllers: [HealthController, ...(prometheus.enabled ? [metricsController(prometheus.path)] : [])],
      providers: [{ provide: HealthChecks, useValue: health }],
    };
  }
}
