/**
 * What the delivery pipeline tells administrators (issue: mail hooks). The worker calls these; the mail lib
 * implements them by queueing a mail. Each call returns quickly and never throws.
 */
export interface EndpointAlert {
  endpoint: string;
  url: string;
  /** Consecutive failed attempts so far. */
  failures?: number;
  lastStatus?: number;
  lastError?: string;
  eventId?: string;
  at: Date;
}

export abstract class DeliveryAlerts {
  /** After `notifications.alerts.failingafter` consecutive failed attempts. */
  abstract endpointFailing(alert: EndpointAlert): void;
  /** An endpoint that was failing delivered again. */
  abstract endpointRecovered(alert: EndpointAlert): void;
  /** An event exhausted its retries and went to the dead-letter set. */
  abstract eventDeadLettered(alert: EndpointAlert): void;
  /** An endpoint answered 410 Gone or was disabled by an operator. */
  abstract endpointDisabled(alert: EndpointAlert): void;
}
