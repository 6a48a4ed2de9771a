import { createTransport } from 'nodemailer';
import { splitHostPort } from '@app/config';
import type { MailSettings } from './mail-settings.js';

/** A composed mail, ready to go. */
export interface OutgoingMail {
  subject: string;
  text: string;
}

/** Sends one mail to the configured recipients; rejects when the server did not take it. */
export abstract class Mailer {
  abstract send(mail: OutgoingMail): Promise<void>;
  abstract close(): void;
}

/**
 * nodemailer over SMTP, one connection per mail (alerts are rare). STARTTLS whenever the server offers it (and
 * implicit TLS on port 465); `insecure` accepts a self-signed or mismatched certificate; PLAIN or LOGIN,
 * whichever the server offers. nodemailer's own logger stays off, and every error message leaving this class
 * has the password (and its base64 forms) scrubbed out.
 */
export class SmtpMailer extends Mailer {
  private readonly transport;

  constructor(
    private readonly settings: MailSettings,
    timeout = settings.timeout,
  ) {
    super();
    const { smtp } = settings;
    const { host, port } = splitHostPort(smtp.addr, 587);
    this.transport = createTransport({
      host,
      port,
      secure: port === 465,
      auth: smtp.username ? { user: smtp.username, pass: smtp.password ?? '' } : undefined,
      tls: { rejectUnauthorized: !smtp.insecure },
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      dnsTimeout: timeout,
      socketCloseTimeout: 0,
      logger: false,
      debug: false,
    });
  }

  async send(mail: OutgoingMail): Promise<void> {
    try {
      await this.transport.sendMail({
        from: this.settings.from,
        to: [...this.settings.to],
        subject: mail.subject,
        text: mail.text,
      });
    } catch (error) {
      throw scrubError(error, this.settings.smtp.password);
    }
  }

  close(): void {
    this.transport.close();
  }
}

/** A plain Error whose message, and nothing else, says what went wrong, with the secret removed. */
export function scrubError(error: unknown, secret: string | undefined): Error {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown })?.code;
  const scrubbed = new Error(scrubSecret(message, secret));
  if (typeof code === 'string') Object.assign(scrubbed, { code });
  return scrubbed;
}

/** Removes the secret and its base64 forms (as AUTH PLAIN and LOGIN send it) from a text. */
export function scrubSecret(text: string, secret: string | undefined): string {
  if (!secret) return text;
  const forms = [secret, Buffer.from(secret).toString('base64')];
  let out = text;
  for (const form of forms) out = out.split(form).join('[redacted]');
  return out.replace(/AUTH PLAIN \S+/gi, 'AUTH PLAIN [redacted]');
}
