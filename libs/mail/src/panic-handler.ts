import type { Logger } from '@app/logging';
import { reportFromPanic, type MailReport, type ReportContext } from './mail-report.js';

/** Where a panic report goes, in order: Redis, then SMTP directly, then the spool file. */
export interface PanicHandOff {
  /** Errors logged just before the crash, still in the buffer (best effort, bounded). */
  drainBuffer(timeoutMs: number): Promise<unknown>;
  toRedis(report: MailReport, timeoutMs: number): Promise<void>;
  toSmtp(report: MailReport, timeoutMs: number): Promise<void>;
  toSpool(report: MailReport): string;
}

export interface PanicHandlerOptions {
  context: ReportContext;
  logger: Logger;
  /** Absent when no mail hook is configured: the panic is only logged. */
  handOff?: PanicHandOff;
  redisTimeout?: number;
  smtpTimeout?: number;
  /** The exit (tests of the handler pass their own). */
  exit?: (code: number) => void;
}

const preparations = new Set<() => Promise<unknown>>();

/**
 * Registers something to do before a panic mail is handed off, e.g. the worker stops its own mail consumer
 * so that it does not take the panic mail itself and die with it (the mail would then wait for BullMQ's
 * stalled-job check). Returns the unregistration. Each preparation is bounded by a short timeout.
 */
export function beforePanicHandOff(preparation: () => Promise<unknown>): () => void {
  preparations.add(preparation);
  return () => preparations.delete(preparation);
}

const PREPARATION_TIMEOUT_MS = 1_000;

/** The exit code of a process that panicked. */
export const PANIC_EXIT_CODE = 70;

/**
 * On an uncaught exception or unhandled rejection: log it at panic level, hand the mail off durably (Redis with
 * a short timeout, else SMTP with a short timeout, else an fsync'd spool file), then exit non-zero. A second
 * panic while the first is handled only waits for the first.
 */
export function installPanicHandlers(options: PanicHandlerOptions): () => void {
  let handling: Promise<void> | undefined;
  const onPanic = (reason: unknown, origin: string): void => {
    handling ??= handlePanic(reason, origin, options);
  };
  const onException = (error: Error, origin: string) => onPanic(error, origin);
  const onRejection = (reason: unknown) => onPanic(reason, 'unhandledRejection');
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}

async function handlePanic(reason: unknown, origin: string, options: PanicHandlerOptions): Promise<void> {
  const { logger, handOff, context } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  logger.fatal({ panic: true, err: reason, origin }, 'panic: the process exits');
  if (handOff) {
    await prepare();
    const report = reportFromPanic(reason, origin, context);
    const via = await deliverPanic(report, handOff, options);
    logger.fatal({ panic: true, nomail: true, via }, `panic mail handed off via ${via}`);
  }
  await new Promise<void>((resolve) => logger.flush(() => resolve()));
  exit(PANIC_EXIT_CODE);
}

async function prepare(): Promise<void> {
  const bounded = [...preparations].map((preparation) =>
    Promise.race([
      preparation().catch(() => undefined),
      new Promise((resolve) => setTimeout(resolve, PREPARATION_TIMEOUT_MS).unref()),
    ]),
  );
  await Promise.all(bounded);
}

async function deliverPanic(report: MailReport, handOff: PanicHandOff, options: PanicHandlerOptions): Promise<string> {
  const redisTimeout = options.redisTimeout ?? 2_000;
  await handOff.drainBuffer(Math.min(500, redisTimeout)).catch(() => undefined);
  try {
    await handOff.toRedis(report, redisTimeout);
    return 'redis';
  } catch (error) {
    options.logger.warn(
      { nomail: true, reason: (error as Error).message },
      'panic mail: redis unreachable, sending directly',
    );
  }
  try {
    await handOff.toSmtp(report, options.smtpTimeout ?? 5_000);
    return 'smtp';
  } catch (error) {
    options.logger.warn({ nomail: true, reason: (error as Error).message }, 'panic mail: smtp failed, spooling');
  }
  try {
    return `spool ${handOff.toSpool(report)}`;
  } catch (error) {
    options.logger.error({ nomail: true, reason: (error as Error).message }, 'panic mail lost: spool not writable');
    return 'nowhere';
  }
}
