import { hostname } from 'node:os';
import type { LogRecord } from '@app/logging';
import { fingerprint } from './fingerprint.js';

/** One thing worth a mail, before de-duplication: its fingerprint, subject (without prefix) and body. */
export interface MailReport {
  fingerprint: string;
  subject: string;
  text: string;
}

/** Who is reporting: on every mail. */
export interface ReportContext {
  app: string;
  instance: string;
  version: string;
  host?: string;
}

const SUBJECT_LENGTH = 160;
/** A field's value in a mail body is cut here (a logged request body must not make a 10 MB mail). */
const FIELD_LENGTH = 2_000;
/** Field names whose values never reach a mail (as `REDACTED_PATHS` keeps them out of log lines). */
const SECRET_KEYS = /^(password|secret|authorization|token|pass|cookie)$/i;
const RECORD_KEYS = new Set(['level', 'msg', 'time', 'err', 'error', 'stack', 'panic']);

/** The fingerprint of a log line alone (cheaper than the whole report: a storm only needs this). */
export function logFingerprint(record: LogRecord): string {
  const { errorClass, message, stack } = describeRecord(record);
  return fingerprint({ level: record.level, errorClass, message, stack });
}

/** A log line at a mailed level (error, warn): message, error class and stack, and the line's fields. */
export function reportFromLog(record: LogRecord, context: ReportContext): MailReport {
  const { errorClass, message, stack } = describeRecord(record);
  const fields = Object.fromEntries(Object.entries(record).filter(([key]) => !RECORD_KEYS.has(key)));
  const lines = [
    `${record.level} in ${context.app}: ${message}`,
    '',
    ...describeContext(context, new Date(record.time)),
    ...Object.entries(redact(fields) as Record<string, unknown>).map(
      ([key, value]) => `${key}: ${format(value).slice(0, FIELD_LENGTH)}`,
    ),
  ];
  if (stack) lines.push('', 'stack:', stack);
  return {
    fingerprint: fingerprint({ level: record.level, errorClass, message, stack }),
    subject: truncate(`${record.level} in ${context.app}: ${message}`),
    text: lines.join('\n') + '\n',
  };
}

/** An uncaught exception or unhandled rejection: the process is about to exit. */
export function reportFromPanic(reason: unknown, origin: string, context: ReportContext, at = new Date()): MailReport {
  const error = reason instanceof Error ? reason : new Error(`non-error thrown: ${format(reason)}`);
  const host = context.host ?? hostname();
  const lines = [
    `panic in ${context.app} on ${host}: ${error.name}: ${error.message}`,
    '',
    `origin: ${origin}`,
    ...describeContext(context, at),
    `pid: ${process.pid}`,
    '',
    'stack:',
    error.stack ?? `${error.name}: ${error.message}`,
  ];
  return {
    fingerprint: fingerprint({
      level: 'panic',
      errorClass: error.name,
      message: `${context.app} ${error.message}`,
      stack: error.stack,
    }),
    subject: truncate(`panic in ${context.app} on ${host}: ${error.name}: ${error.message}`),
    text: lines.join('\n') + '\n',
  };
}

export function describeContext(context: ReportContext, at: Date): string[] {
  return [
    `app: ${context.app}`,
    `host: ${context.host ?? hostname()}`,
    `instance: ${context.instance}`,
    `version: ${context.version}`,
    `time: ${at.toISOString()}`,
  ];
}

function describeRecord(record: LogRecord): { errorClass: string; message: string; stack?: string } {
  const error = errorOf(record);
  const message =
    error && error.message !== record.msg ? `${record.msg}${record.msg ? ': ' : ''}${error.message}` : record.msg;
  const stack = error?.stack ?? (typeof record.stack === 'string' ? record.stack : undefined);
  return { errorClass: error?.name ?? '', message, stack };
}

function errorOf(record: LogRecord): { name: string; message: string; stack?: string } | undefined {
  const candidate = record.err ?? record.error;
  if (candidate instanceof Error) return candidate;
  if (candidate && typeof candidate === 'object' && 'message' in candidate) {
    const { name, message, stack } = candidate as { name?: unknown; message?: unknown; stack?: unknown };
    return {
      name: String(name ?? 'Error'),
      message: String(message),
      stack: typeof stack === 'string' ? stack : undefined,
    };
  }
  return undefined;
}

/** Secrets out, at any depth. */
function redact(value: unknown, depth = 0): unknown {
  if (!value || typeof value !== 'object' || depth > 5) return value;
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, SECRET_KEYS.test(key) ? '[redacted]' : redact(item, depth + 1)]),
  );
}

function format(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function truncate(subject: string): string {
  const line = subject.replace(/\s+/g, ' ');
  return line.length > SUBJECT_LENGTH ? `${line.slice(0, SUBJECT_LENGTH - 1)}…` : line;
}
