import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { AuditRow } from '@app/audit';

/** A row as the API shows it: the time in ISO 8601, the raw event (or admin details) as JSON. */
export function auditEntry(row: AuditRow): Omit<AuditRow, 'time' | 'raw'> & { time: string; raw: unknown } {
  return { ...row, time: new Date(row.time).toISOString(), raw: JSON.parse(row.raw) as unknown };
}

const COLUMNS = [
  ...['time', 'id', 'kind', 'action', 'repository', 'digest', 'tag', 'media_type', 'size', 'actor', 'addr'],
  ...['user_agent', 'request_id', 'instance', 'source', 'endpoint', 'raw'],
] as const;

/** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. */
function csvField(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvHeader(): string {
  return `${COLUMNS.join(',')}\r\n`;
}

export function csvLine(row: AuditRow): string {
  const values: Record<string, unknown> = { ...row, time: new Date(row.time).toISOString() };
  return `${COLUMNS.map((column) => csvField(values[column])).join(',')}\r\n`;
}

export function jsonLine(row: AuditRow): string {
  return `${JSON.stringify(auditEntry(row))}\n`;
}

/**
 * Streams the rows into the response as they are read, waiting when the client reads slower than the
 * store (backpressure). A failure after the first byte can only cut the response short.
 */
export async function streamRows(
  response: ServerResponse,
  rows: AsyncIterable<AuditRow>,
  format: 'csv' | 'jsonl',
): Promise<void> {
  const line = format === 'csv' ? csvLine : jsonLine;
  const iterator = rows[Symbol.asyncIterator]();
  let next = await iterator.next();
  response.statusCode = 200;
  response.setHeader('content-type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson');
  response.setHeader('content-disposition', `attachment; filename="audit.${format === 'csv' ? 'csv' : 'jsonl'}"`);
  if (format === 'csv') response.write(csvHeader());
  try {
    while (!next.done) {
      if (response.destroyed)
        return rows[Symbol.asyncIterator]()
          .return?.(undefined)
          .then(() => undefined);
      if (!response.write(line(next.value))) await Promise.race([once(response, 'drain'), once(response, 'close')]);
      next = await iterator.next();
    }
    response.end();
  } catch (error) {
    response.destroy(error as Error);
  }
}
