import { Module } from '@nestjs/common';
import { DeliveryService } from './delivery.service.js';

/**
 * Webhook delivery: one queue and worker per endpoint. `DeliveryAlerts` comes from the global
 * `MailModule.forRoot(...)` (@app/mail) imported by the worker module: mails, and log lines.
 */
@Module({
  providers: [DeliveryService],
})
export class DeliveryModule {}
