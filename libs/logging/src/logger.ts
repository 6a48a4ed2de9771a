import { pino, type Logger, type LevelWithSilent, type DestinationStream } from 'pino';
import type { LogConfig, LogLevel } from '@app/config';

export type { Logger } from 'pino';

/** A log record handed to hooks: the level name, the message and the fields of the line. */
export interface LogRecord {
  level: LogLevel;
  msg: string;
  time: number;
  [field: string]: unknown;
}

/**
 * Something that wants to see log lines of some levels (the mail hook). `fire` must return at once and
 * never throw: logging never waits on a hook.
 */
export interface LogHook {
  readonly levels: readonly LogLevel[];
  fire(record: LogRecord): void;
}

/** distribution's levels mapped onto pino's; panic is logged as fatal with `panic: true`. */
const PINO_LEVEL: Record<LogLevel, LevelWithSilent> = {
  panic: 'fatal',
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  info: 'info',
  debug: 'debug',
  trace: 'trace',
};
const LEVEL_NAME: Record<number, LogLevel> = {
  60: 'fatal',
  50: 'error',
  40: 'warn',
  30: 'info',
  20: 'debug',
  10: 'trace',
};

/** Secrets never reach a log line: these paths are replaced wherever they appear. */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  '*.*.password',
  'secret',
  '*.secret',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'token',
  '*.token',
];

export interface LoggerOptions {
  config: LogConfig;
  /** Fields on every line, e.g. app, instance id, version. */
  bindings?: Record<string, unknown>;
  hooks?: readonly LogHook[];
  /** Where lines go (stdout by default). */
  destination?: DestinationStream;
}

/** The one logger of both apps: pino, distribution's `log` keys, text or json lines, hooks on levels. */
export function createLogger({ config, bindings = {}, hooks = [], destination }: LoggerOptions): Logger {
  const formatter = config.formatter === 'text' ? textFormatter() : undefined;
  // Synchronous writes (pino's default): a line logged just before the process exits (shutdown, panic) is
  // never lost in a buffer.
  const stream = destination ?? pino.destination({ dest: 1, sync: true });
  return pino(
    {
      level: PINO_LEVEL[config.level],
      base: { ...config.fields, ...bindings },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      messageKey: 'msg',
      formatters: { level: (label) => ({ level: label }) },
      hooks: {
        logMethod(args, method, level) {
          if (hooks.length > 0) fireHooks(hooks, level, args);
          return method.apply(this, args);
        },
      },
    },
    formatter ? formatter(stream) : stream,
  );
}

function fireHooks(hooks: readonly LogHook[], level: number, args: unknown[]): void {
  const name = LEVEL_NAME[level] ?? 'info';
  const [first, second] = args;
  const fields =
    first && typeof first === 'object' ? (first instanceof Error ? { err: first } : (first as object)) : {};
  const msg =
    typeof first === 'string'
      ? first
      : typeof second === 'string'
        ? second
        : fields instanceof Error
          ? fields.message
          : '';
  const record: LogRecord = {
    ...fields,
    level: (fields as { panic?: boolean }).panic ? 'panic' : name,
    msg,
    time: Date.now(),
  };
  for (const hook of hooks) {
    if (!hook.levels.includes(record.level)) continue;
    try {
      hook.fire(record);
    } catch {
      // A hook must not break logging; hooks report their own failures.
    }
  }
}

/**
 * logrus-style text lines as distribution writes them:
 * time="2026-11-22T12:10:34Z" level=info msg="response completed" key=value ...
 */
function textFormatter(): (stream: DestinationStream) => DestinationStream {
  return (stream) => ({
    write(line: string) {
      const record = JSON.parse(line) as Record<string, unknown>;
      const { time, level, msg, ...rest } = record;
      const parts = [`time=${quote(time)}`, `level=${String(level)}`, `msg=${quote(msg ?? '')}`];
      for (const [key, value] of Object.entries(rest)) parts.push(`${key}=${quote(value)}`);
      stream.write(parts.join(' ') + '\n');
    },
  });
}

function quote(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return /^[\w./:@+-]+$/.test(text) ? text : JSON.stringify(text);
}
