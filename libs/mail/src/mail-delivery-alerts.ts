import type { Logger } from '@app/logging';
import { DeliveryAlerts, type EndpointAlert } from './delivery-alerts.js';
import { exactFingerprint } from './fingerprint.js';
import { describeContext, type MailReport, type ReportContext } from './mail-report.js';
import type { ReportBuffer } from './report-buffer.js';

type AlertKind = 'failing' | 'recovered' | 'dead-lettered' | 'disabled';

const HEADLINE: Record<AlertKind, (alert: EndpointAlert) => string> = {
  failing: (alert) => `endpoint ${alert.endpoint} is failing (${alert.failures ?? '?'} consecutive failed attempts)`,
  recovered: (alert) => `endpoint ${alert.endpoint} recovered`,
  'dead-lettered': (alert) => `endpoint ${alert.endpoint}: event ${alert.eventId ?? '?'} dead-lettered`,
  disabled: (alert) => `endpoint ${alert.endpoint} disabled`,
};

/**
 * Delivery alerts as mails through the same buffer, throttle and queue as error mails. One fingerprint per
 * endpoint and kind, so a flapping endpoint or a run of dead-lettered events makes one mail and a follow-up
 * with the count. Each call logs the alert (at warn, marked so the log hook does not mail it twice) and
 * returns at once; it never throws.
 */
export class MailDeliveryAlerts extends DeliveryAlerts {
  constructor(
    private readonly logger: Logger,
    private readonly context: ReportContext,
    /** Absent when no mail hook is configured: alerts are only logged. */
    private readonly buffer?: ReportBuffer,
  ) {
    super();
  }

  endpointFailing(alert: EndpointAlert): void {
    this.raise('failing', alert);
  }

  endpointRecovered(alert: EndpointAlert): void {
    this.raise('recovered', alert);
  }

  eventDeadLettered(alert: EndpointAlert): void {
    this.raise('dead-lettered', alert);
  }

  endpointDisabled(alert: EndpointAlert): void {
    this.raise('disabled', alert);
  }

  private raise(kind: AlertKind, alert: EndpointAlert): void {
    try {
      this.logger.warn(
        {
          nomail: true,
          alert: kind,
          endpoint: alert.endpoint,
          url: alert.url,
          failures: alert.failures,
          status: alert.lastStatus,
          error: alert.lastError,
          eventId: alert.eventId,
        },
        `delivery alert: ${HEADLINE[kind](alert)}`,
      );
      this.buffer?.add(alertReport(kind, alert, this.context));
    } catch {
      // An alert must never break delivery.
    }
  }
}

export function alertReport(kind: AlertKind, alert: EndpointAlert, context: ReportContext): MailReport {
  const headline = HEADLINE[kind](alert);
  const lines = [
    headline,
    '',
    `endpoint: ${alert.endpoint}`,
    `url: ${alert.url}`,
    ...(alert.failures !== undefined ? [`consecutive failures: ${alert.failures}`] : []),
    ...(alert.lastStatus !== undefined ? [`last status: ${alert.lastStatus}`] : []),
    ...(alert.lastError ? [`last error: ${alert.lastError}`] : []),
    ...(alert.eventId ? [`event: ${alert.eventId}`] : []),
    `at: ${alert.at.toISOString()}`,
    ...describeContext(context, new Date()),
  ];
  return {
    fingerprint: exactFingerprint(['alert', kind, alert.endpoint]),
    subject: headline,
    text: lines.join('\n') + '\n',
  };
}
