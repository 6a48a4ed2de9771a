import { Controller, Get, Res } from '@nestjs/common';
import type { Response } from 'express';
import { versionInfo } from '@app/config';
import { instanceId } from '../instance.js';
import { HealthChecks, type HealthReport } from './health-checks.js';

/**
 * On the debug listener. `GET /debug/health` is readiness: 200 with the report when storage and Redis answer,
 * 503 otherwise (take the instance out of the load balancer). `GET /debug/health/live` is liveness: 200 as
 * long as the process serves HTTP, whatever its backends (restart it only when this fails).
 */
@Controller('debug')
export class HealthController {
  constructor(private readonly checks: HealthChecks) {}

  @Get('health')
  async health(@Res({ passthrough: true }) response: Response): Promise<HealthReport> {
    const report = await this.checks.report();
    response.status(report.status === 'ok' ? 200 : 503);
    return report;
  }

  @Get('health/live')
  live(): { status: 'ok'; version: string; instance: string } {
    return { status: 'ok', version: versionInfo().version, instance: instanceId };
  }
}
