import type { LogLevel } from '@app/config';
import type { LogHook, LogRecord } from '@app/logging';
import { logFingerprint, reportFromLog, type ReportContext } from './mail-report.js';
import type { ReportBuffer } from './report-buffer.js';

/**
 * The `LogHook` of distribution's `log.hooks[].type: mail`: a line at a configured level becomes a report in
 * the in-process buffer, and `fire` returns at once (no I/O). Panics are left to the panic handler (which
 * waits for the hand-off before the process exits), and lines marked `nomail` (the mail path's own troubles)
 * are skipped so that a failing mail path cannot feed itself.
 */
export class MailLogHook implements LogHook {
  readonly levels: readonly LogLevel[];

  constructor(
    levels: readonly LogLevel[],
    private readonly context: ReportContext,
    private readonly buffer: ReportBuffer,
  ) {
    this.levels = levels.filter((level) => level !== 'panic');
  }

  fire(record: LogRecord): void {
    if (record.level === 'panic' || record.nomail) return;
    // A storm of one error costs a hash per line; the report is composed once per buffered fingerprint.
    if (!this.buffer.increment(logFingerprint(record))) this.buffer.add(reportFromLog(record, this.context));
  }
}
