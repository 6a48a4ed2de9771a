/**
 * The mail queue's contract (`QueueNames.mail`). Producers: both apps' mail hooks, panic handlers and delivery
 * alerts (through `@app/mail`'s outbox). Consumer: the worker's mail consumer. Job ids are derived from the
 * fingerprint and its window, so a retried or repeated enqueue adds each mail once. Never put SMTP settings or
 * secrets in a payload: the consumer reads those from its own config.
 */
export const MailJobNames = {
  /** Send one composed mail (retried with backoff while SMTP is down). */
  send: 'send',
  /** Close a fingerprint's de-duplication window: mail the count of what it suppressed, if any. */
  summary: 'summary',
} as const;

export interface MailSendJob {
  subject: string;
  text: string;
  /** The de-duplication fingerprint the mail belongs to. */
  fingerprint: string;
}

export interface MailSummaryJob {
  fingerprint: string;
  /** Start (ms since epoch) of the window this job closes. */
  window: number;
}

/** Custom BullMQ ids may not contain ':'. */
export function mailJobId(
  kind: 'first' | 'followup' | 'summary' | 'direct',
  fingerprint: string,
  window: number | string,
): string {
  return `${kind}-${fingerprint}-${window}`;
}
