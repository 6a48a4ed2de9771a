import { Controller, Get, Res } from '@nestjs/common';
import type { Response } from 'express';
import { HealthChecks, type HealthReport } from './health-checks.js';

/** `GET /debug/health` on the debug listener: 200 with the report when healthy, 503 otherwise. */
@Controller('debug')
export class HealthController {
  constructor(private readonly checks: HealthChecks) {}

  @Get('health')
  async health(@Res({ passthrough: true }) response: Response): Promise<HealthReport> {
    const report = await this.checks.report();
    response.status(report.status === 'ok' ? 200 : 503);
    return report;
  }
}
