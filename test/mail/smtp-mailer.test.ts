import { afterEach, describe, expect, it } from 'vitest';
import { SmtpMailer } from '@app/mail';
import { freePort } from '@app/testing';
import { SmtpSink, selfSignedCertificate } from './smtp-sink.js';
import { mailTestSettings } from './support.js';

const PASSWORD = 'pa55-Secret-Value!';

describe('SmtpMailer (nodemailer against a real SMTP server on loopback)', () => {
  const sinks: SmtpSink[] = [];
  afterEach(async () => {
    await Promise.all(sinks.splice(0).map((sink) => sink.stop()));
  });

  async function sink(options: Parameters<typeof SmtpSink.start>[0]): Promise<SmtpSink> {
    const started = await SmtpSink.start(options);
    sinks.push(started);
    return started;
  }

  it.each(['PLAIN', 'LOGIN'] as const)(
    'authenticates with AUTH %s when the server offers only that',
    async (method) => {
      const server = await sink({ auth: { username: 'alerts', password: PASSWORD, methods: [method] } });
      const mailer = new SmtpMailer(
        mailTestSettings({ smtp: { addr: server.addr, username: 'alerts', password: PASSWORD, insecure: false } }),
      );
      await mailer.send({ subject: 'hello', text: 'body' });
      mailer.close();
      expect(server.received).toHaveLength(1);
      expect(server.authAttempts).toEqual([{ method, username: 'alerts', ok: true }]);
      expect(server.received[0].mail.subject).toBe('hello');
      expect(server.received[0].mail.to).toMatchObject({ text: 'ops@example.test' });
    },
  );

  it('a wrong password fails with an error that does not contain the password', async () => {
    const server = await sink({ auth: { username: 'alerts', password: 'the-right-one', methods: ['PLAIN'] } });
    const mailer = new SmtpMailer(
      mailTestSettings({ smtp: { addr: server.addr, username: 'alerts', password: PASSWORD, insecure: false } }),
    );
    const error = (await mailer.send({ subject: 's', text: 't' }).catch((caught: unknown) => caught)) as Error;
    mailer.close();
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toMatch(/auth|535|invalid/i);
    const everything = JSON.stringify({ ...error, message: error.message, stack: error.stack });
    expect(everything).not.toContain(PASSWORD);
    expect(everything).not.toContain(Buffer.from(PASSWORD).toString('base64'));
    expect(everything).not.toContain(Buffer.from(`\0alerts\0${PASSWORD}`).toString('base64'));
    expect(server.received).toHaveLength(0);
  });

  it('uses STARTTLS when offered; insecure: true accepts a self-signed, mismatched certificate', async () => {
    const server = await sink({
      tls: await selfSignedCertificate(),
      auth: { username: 'alerts', password: PASSWORD, methods: ['PLAIN', 'LOGIN'] },
    });
    const mailer = new SmtpMailer(
      mailTestSettings({ smtp: { addr: server.addr, username: 'alerts', password: PASSWORD, insecure: true } }),
    );
    await mailer.send({ subject: 'over tls', text: 'body' });
    mailer.close();
    expect(server.received).toHaveLength(1);
    expect(server.received[0].secure).toBe(true);
  });

  it('insecure: false refuses the self-signed certificate and sends nothing (no credentials either)', async () => {
    const server = await sink({
      tls: await selfSignedCertificate(),
      auth: { username: 'alerts', password: PASSWORD, methods: ['PLAIN'] },
    });
    const mailer = new SmtpMailer(
      mailTestSettings({ smtp: { addr: server.addr, username: 'alerts', password: PASSWORD, insecure: false } }),
    );
    const error = (await mailer.send({ subject: 's', text: 't' }).catch((caught: unknown) => caught)) as Error;
    mailer.close();
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toMatch(/certificate|TLS/i);
    expect(error.message).not.toContain(PASSWORD);
    expect(server.received).toHaveLength(0);
    expect(server.authAttempts).toHaveLength(0);
  });

  it('a server that is down fails within the configured timeout', async () => {
    const mailer = new SmtpMailer(
      mailTestSettings({ smtp: { addr: `127.0.0.1:${await freePort()}`, insecure: false }, timeout: 1_000 }),
    );
    const started = Date.now();
    await expect(mailer.send({ subject: 's', text: 't' })).rejects.toThrow(/ECONNREFUSED|connect/i);
    expect(Date.now() - started).toBeLessThan(3_000);
    mailer.close();
  });
});
