import { Injectable, Optional, type OnModuleInit } from '@nestjs/common';
import { DebugServer } from '../debug/index.js';
import { HealthChecks } from './health-checks.js';

/** Puts `GET /debug/health` on the debug listener: 200 with the report when healthy, 503 otherwise. */
@Injectable()
export class HealthRoute implements OnModuleInit {
  constructor(
    private readonly checks: HealthChecks,
    @Optional() private readonly debug?: DebugServer,
  ) {}

  onModuleInit(): void {
    this.debug?.route({
      method: 'GET',
      path: '/debug/health',
      admin: false,
      handle: async () => {
        const report = await this.checks.report();
        return { status: report.status === 'ok' ? 200 : 503, body: report };
      },
    });
  }
}
