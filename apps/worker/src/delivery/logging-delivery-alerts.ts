import { Injectable } from '@nestjs/common';
import { AppLogger } from '@app/logging';
import { DeliveryAlerts, type EndpointAlert } from '@app/mail';

/**
 * DeliveryAlerts as log lines (warn; info for a recovery). Stands in until the mail lib's implementation,
 * which queues a mail, is wired in delivery.module.ts in its place.
 */
@Injectable()
export class LoggingDeliveryAlerts extends DeliveryAlerts {
  constructor(private readonly logger: AppLogger) {
    super();
  }

  endpointFailing(alert: EndpointAlert): void {
    this.logger.warn({ alert: 'endpointFailing', ...alert }, `endpoint ${alert.endpoint} failing`);
  }

  endpointRecovered(alert: EndpointAlert): void {
    this.logger.info({ alert: 'endpointRecovered', ...alert }, `endpoint ${alert.endpoint} recovered`);
  }

  eventDeadLettered(alert: EndpointAlert): void {
    this.logger.warn({ alert: 'eventDeadLettered', ...alert }, `event ${alert.eventId} dead-lettered at ${alert.endpoint}`);
  }

  endpointDisabled(alert: EndpointAlert): void {
    this.logger.warn({ alert: 'endpointDisabled', ...alert }, `endpoint ${alert.endpoint} disabled`);
  }
}
