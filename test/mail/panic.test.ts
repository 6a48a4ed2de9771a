import { spawn } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { pino } from 'pino';
import { fromObject } from '@app/config';
import { SmtpMailer, mailSettings } from '@app/mail';
import { freePort, tempDir, waitFor } from '@app/testing';
import { MailConsumer } from '../../apps/worker/src/mail/mail-consumer.js';
import { startRegistry, startWorker, type AppProcess } from '../support/index.js';
import { SmtpSink } from './smtp-sink.js';
import { CapturedLog, cleanRedis, uniquePrefix } from './support.js';

const CHILD = fileURLToPath(new URL('./fixtures/panic-child.mjs', import.meta.url));
const PANIC_LATER = fileURLToPath(new URL('./fixtures/panic-later.mjs', import.meta.url));
const PASSWORD = 'Child-Smtp-Pa55word';

interface ChildResult {
  code: number | null;
  output: string;
}

function runChild(configPath: string, mode: 'throw' | 'reject'): Promise<ChildResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CHILD, configPath, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('panic: an uncaught exception or unhandled rejection mails before the process exits non-zero', () => {
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setup(options: { redisAddr: string; smtpAddr: string; levels?: string[] }) {
    const dir = tempDir('panic-');
    const prefix = uniquePrefix();
    const raw = {
      version: '0.1',
      log: {
        level: 'info',
        formatter: 'json',
        hooks: [
          {
            type: 'mail',
            levels: options.levels ?? ['panic', 'error'],
            options: {
              smtp: { addr: options.smtpAddr, username: 'alerts', password: PASSWORD },
              from: 'registry@example.test',
              to: 'ops@example.test',
              window: '2s',
              maxbackoff: '500ms',
              timeout: '2s',
              spooldir: join(dir.path, 'mail-spool'),
            },
          },
        ],
      },
      storage: { filesystem: { rootdirectory: join(dir.path, 'root') } },
      redis: { addr: options.redisAddr, prefix, dialtimeout: '1s' },
    };
    const configPath = join(dir.path, 'config.yml');
    writeFileSync(configPath, stringify(raw));
    cleanups.push(() => dir.remove());
    cleanups.push(() => cleanRedis(prefix));
    return { raw, configPath, spoolDir: join(dir.path, 'mail-spool'), config: fromObject(structuredClone(raw)) };
  }

  async function smtpSink(port?: number): Promise<SmtpSink> {
    const sink = await SmtpSink.start({
      port,
      auth: { username: 'alerts', password: PASSWORD, methods: ['PLAIN', 'LOGIN'] },
    });
    cleanups.push(() => sink.stop());
    return sink;
  }

  it.each(['throw', 'reject'] as const)(
    'Redis up (%s): the panic is queued and the worker mails it; exit code non-zero',
    async (mode) => {
      const smtp = await smtpSink();
      const { configPath, config } = await setup({ redisAddr: '127.0.0.1:6379', smtpAddr: smtp.addr });
      const settings = mailSettings(config)!;
      const consumer = new MailConsumer(
        settings,
        config.redis,
        new SmtpMailer(settings),
        pino({ level: 'warn' }, new CapturedLog()),
      );
      consumer.start();
      cleanups.push(() => consumer.close());
      const result = await runChild(configPath, mode);
      expect(result.code).not.toBe(0);
      expect(result.code).not.toBeNull();
      expect(result.output).toContain('panic mail handed off via redis');
      const [{ mail }] = await smtp.waitForMails(1);
      const message = mode === 'throw' ? 'child exploded' : 'child rejected a promise';
      expect(mail.subject).toMatch(new RegExp(`^\\[registry\\] panic in panic-child on .+: Error: ${message}$`));
      for (const part of [
        'app: panic-child',
        'instance: child-instance-1',
        'version: test-version',
        'stack:',
        `Error: ${message}`,
        'panic-child.mjs',
        'time: ',
      ]) {
        expect(mail.text).toContain(part);
      }
      expect(mail.text).toContain(`origin: ${mode === 'throw' ? 'uncaughtException' : 'unhandledRejection'}`);
      expect(result.output).not.toContain(PASSWORD);
    },
  );

  it.each(['registry', 'worker'] as const)(
    'the real %s app: an uncaught exception after start is mailed, the process exits non-zero',
    async (app) => {
      const smtp = await smtpSink();
      const { raw, config } = await setup({ redisAddr: '127.0.0.1:6379', smtpAddr: smtp.addr });
      const settings = mailSettings(config)!;
      const consumer = new MailConsumer(
        settings,
        config.redis,
        new SmtpMailer(settings),
        pino({ level: 'warn' }, new CapturedLog()),
      );
      consumer.start();
      cleanups.push(() => consumer.close());
      const env = { NODE_OPTIONS: `--import=${PANIC_LATER}`, PANIC_MESSAGE: `${app} exploded` };
      const process: AppProcess =
        app === 'registry' ? await startRegistry({ config: raw, env }) : await startWorker({ config: raw, env });
      cleanups.push(() => process.dispose());
      globalThis.process.kill(process.pid!, 'SIGUSR2');
      await waitFor(() => !process.running, { timeout: 15_000, what: `${app} to exit` });
      expect(process.exitCode).not.toBe(0);
      expect(process.exitCode).not.toBeNull();
      const [{ mail }] = await smtp.waitForMails(1);
      expect(mail.subject).toMatch(
        new RegExp(`^\\[registry\\] panic in ${app} on .+: Error: ${app} exploded after start$`),
      );
      for (const part of [`app: ${app}`, 'instance: ', 'version: 0.', 'origin: uncaughtException', 'panic-later.mjs'])
        expect(mail.text).toContain(part);
      expect(process.output).not.toContain(PASSWORD);
    },
  );

  it('levels without panic: the panic is logged and the process exits non-zero, but nothing is mailed', async () => {
    const smtp = await smtpSink();
    const { configPath } = await setup({
      redisAddr: `127.0.0.1:${await freePort()}`,
      smtpAddr: smtp.addr,
      levels: ['error'],
    });
    const result = await runChild(configPath, 'throw');
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('panic: the process exits');
    expect(result.output).not.toContain('handed off');
    expect(smtp.received).toHaveLength(0);
  });

  it('Redis unreachable: the panic mail goes straight to SMTP', async () => {
    const smtp = await smtpSink();
    const { configPath } = await setup({ redisAddr: `127.0.0.1:${await freePort()}`, smtpAddr: smtp.addr });
    const started = Date.now();
    const result = await runChild(configPath, 'throw');
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('panic mail handed off via smtp');
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0].mail.subject).toContain('panic in panic-child');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.output).not.toContain(PASSWORD);
  });

  it('Redis and SMTP both down: spooled, and the next start of the worker app sends it once', async () => {
    const smtpPort = await freePort();
    const { configPath, raw, spoolDir } = await setup({
      redisAddr: `127.0.0.1:${await freePort()}`,
      smtpAddr: `127.0.0.1:${smtpPort}`,
    });
    const result = await runChild(configPath, 'throw');
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('panic mail handed off via spool');
    expect(readdirSync(spoolDir).filter((name) => name.endsWith('.json'))).toHaveLength(1);

    const smtp = await smtpSink(smtpPort);
    const worker = await startWorker({ config: { ...raw, redis: { ...raw.redis, addr: '127.0.0.1:6379' } } });
    cleanups.push(() => worker.dispose());
    const [{ mail }] = await smtp.waitForMails(1, 20_000);
    expect(mail.subject).toContain('panic in panic-child');
    expect(mail.text).toContain('Error: child exploded');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(smtp.received).toHaveLength(1);
    expect(existsSync(spoolDir) ? readdirSync(spoolDir) : []).toEqual([]);
    expect(worker.output).not.toContain(PASSWORD);
  });
});
