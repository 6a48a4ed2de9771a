import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import { generate } from 'selfsigned';
import { freePort, waitFor } from '@app/testing';

export interface SmtpSinkOptions {
  /** Fixed port (to restart on the same address); a free one by default. */
  port?: number;
  /** Require AUTH with these credentials and only these methods. */
  auth?: { username: string; password: string; methods: ('PLAIN' | 'LOGIN')[] };
  /** Offer STARTTLS with this certificate; without it STARTTLS is not offered. */
  tls?: { key: string; cert: string };
}

export interface ReceivedMail {
  mail: ParsedMail;
  /** Was the session upgraded with STARTTLS before the mail? */
  secure: boolean;
  /** AUTH method used, if any. */
  authMethod?: string;
}

/** A real SMTP server on loopback (the `smtp-server` package) that parses every message with `mailparser`. */
export class SmtpSink {
  readonly received: ReceivedMail[] = [];
  readonly authAttempts: { method: string; username?: string; ok: boolean }[] = [];
  private server?: SMTPServer;

  private constructor(
    readonly port: number,
    private readonly options: SmtpSinkOptions,
  ) {}

  static async start(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
    const sink = new SmtpSink(options.port ?? (await freePort()), options);
    await sink.listen();
    return sink;
  }

  get addr(): string {
    return `127.0.0.1:${this.port}`;
  }

  subjects(): string[] {
    return this.received.map(({ mail }) => mail.subject ?? '');
  }

  async waitForMails(count: number, timeout = 15_000): Promise<ReceivedMail[]> {
    await waitFor(() => this.received.length >= count, {
      timeout,
      what: `${count} mail(s) at the SMTP sink (got ${this.received.length})`,
    });
    return this.received;
  }

  async listen(): Promise<void> {
    const { auth, tls } = this.options;
    const options: SMTPServerOptions = {
      logger: false,
      disableReverseLookup: true,
      hideSTARTTLS: !tls,
      ...(tls ?? {}),
      authOptional: !auth,
      authMethods: auth?.methods ?? ['PLAIN', 'LOGIN'],
      allowInsecureAuth: !tls,
      onAuth: (attempt, _session, callback) => {
        const ok = !!auth && attempt.username === auth.username && attempt.password === auth.password;
        this.authAttempts.push({ method: attempt.method, username: attempt.username, ok });
        if (!ok) return callback(new Error('Invalid username or password'));
        callback(null, { user: attempt.username });
      },
      onData: (stream, session, callback) => {
        simpleParser(stream)
          .then((mail) => {
            this.received.push({
              mail,
              secure: session.secure,
              authMethod: (session as { authMethod?: string }).authMethod ?? authMethodOf(this.authAttempts),
            });
            callback();
          })
          .catch(callback);
      },
    };
    this.server = new SMTPServer(options);
    this.server.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.port, '127.0.0.1', () => resolve());
    });
  }

  /** Stops listening (connections refused), keeping what was received. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function authMethodOf(attempts: readonly { method: string; ok: boolean }[]): string | undefined {
  return [...attempts].reverse().find((attempt) => attempt.ok)?.method;
}

/** A self-signed certificate for `localhost` (not for 127.0.0.1: connecting by IP is also a name mismatch). */
export async function selfSignedCertificate(): Promise<{ key: string; cert: string }> {
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], { keySize: 2048, algorithm: 'sha256' });
  return { key: pems.private, cert: pems.cert };
}
