import { describe, expect, it } from 'vitest';
import { reportFromLog, reportFromPanic } from './mail-report.js';

const context = { app: 'registry', instance: 'i-1', version: '0.1.0 (commit abc)', host: 'box' };

describe('reportFromLog', () => {
  it('carries the message, the error, the fields and the stack, with secrets redacted', () => {
    const err = new TypeError('cannot read x');
    const report = reportFromLog(
      {
        level: 'error',
        msg: 'request failed with 500',
        time: 0,
        err,
        method: 'GET',
        path: '/v2/',
        requestId: 'r-1',
        status: 500,
        auth: { password: 'hunter2' },
      },
      context,
    );
    expect(report.subject).toBe('error in registry: request failed with 500: cannot read x');
    expect(report.text).toContain('requestId: r-1');
    expect(report.text).toContain('method: GET');
    expect(report.text).toContain('instance: i-1');
    expect(report.text).toContain(err.stack!);
    expect(report.text).not.toContain('hunter2');
  });

  it('gives one fingerprint to errors that differ in request id and numbers only', () => {
    const make = (id: string, n: number) =>
      reportFromLog(
        { level: 'error', msg: 'request failed with 500', time: 0, err: new Error(`read ${n} bytes`), requestId: id },
        context,
      );
    expect(make('a', 1).fingerprint).toBe(make('b', 2).fingerprint);
  });
});

describe('reportFromPanic', () => {
  it('names app, host, instance, version, origin and time, with the stack', () => {
    const error = new RangeError('boom');
    const report = reportFromPanic(error, 'uncaughtException', context, new Date('2026-01-02T03:04:05Z'));
    expect(report.subject).toBe('panic in registry on box: RangeError: boom');
    for (const part of [
      'origin: uncaughtException',
      'host: box',
      'instance: i-1',
      'version: 0.1.0 (commit abc)',
      'time: 2026-01-02T03:04:05.000Z',
      error.stack!,
    ]) {
      expect(report.text).toContain(part);
    }
  });

  it('describes a rejection with a non-error value', () => {
    expect(reportFromPanic('nope', 'unhandledRejection', context).subject).toContain('non-error thrown: nope');
  });
});
