import { Module } from '@nestjs/common';
import { DeliveryAlerts } from '@app/mail';
import { DeliveryService } from './delivery.service.js';
import { LoggingDeliveryAlerts } from './logging-delivery-alerts.js';

/**
 * Webhook delivery: one queue and worker per endpoint. Alerts go to the log until the mail lib's
 * DeliveryAlerts replaces LoggingDeliveryAlerts here.
 */
@Module({
  providers: [DeliveryService, { provide: DeliveryAlerts, useClass: LoggingDeliveryAlerts }],
})
export class DeliveryModule {}
