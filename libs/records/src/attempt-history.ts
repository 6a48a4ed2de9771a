import type { ChainableCommander, Redis } from 'ioredis';
import { DeliveryKeys } from './delivery-keys.js';

/** What one delivery attempt ended as. */
export type AttemptOutcome = 'delivered' | 'retry' | 'gaveup';

/** One HTTP attempt of one event (or one batch: one record per event in it) to one endpoint. */
export interface AttemptRecord {
  eventId: string;
  endpoint: string;
  /** 1 for the first attempt of a job; a replay starts again at 1. */
  attempt: number;
  outcome: AttemptOutcome;
  /** HTTP status, absent when no response came (connection error, timeout). */
  status?: number;
  latencyMs: number;
  error?: string;
  /** The first 4 KiB of the response body. */
  response?: string;
  /** ISO 8601. */
  at: string;
  /** When the next attempt is due (outcome `retry`). */
  nextAttemptAt?: string;
}

export interface HistoryLimits {
  /** Attempts kept per endpoint (approximate, Redis trims whole nodes). */
  attempts: number;
  /** Age in ms past which attempts are dropped. */
  maxage: number;
}

export interface AttemptQuery {
  /** A number matches the HTTP status; `delivered`, `retry`, `gaveup` match the outcome; `failed` any non-delivered. */
  status?: string;
  eventId?: string;
  limit?: number;
  /** Cursor from a previous page: only attempts recorded before it. */
  before?: string;
}

export interface AttemptPage {
  attempts: AttemptRecord[];
  /** Pass as `before` for the next page; absent on the last page. */
  next?: string;
}

/**
 * One HTTP attempt (one envelope) as the worker records it: what its events share (the response), once,
 * and each event's own part. A batch of 100 events is one stream entry, not 100.
 */
export interface EnvelopeAttempt {
  endpoint: string;
  status?: number;
  latencyMs: number;
  /** The request's error (connection refused, timeout), absent when a response came. */
  error?: string;
  response?: string;
  at: string;
  events: EnvelopeEventAttempt[];
}

/** One event's part of an envelope's attempt. */
export interface EnvelopeEventAttempt {
  eventId: string;
  attempt: number;
  outcome: AttemptOutcome;
  nextAttemptAt?: string;
  /** Why it gave up, when the request itself had no error (say, a 400). */
  reason?: string;
}

/** The attempt records of one stored envelope attempt, one per event, in envelope order. */
export function attemptRecords({ events, ...shared }: EnvelopeAttempt): AttemptRecord[] {
  return events.map(({ reason, ...event }) => ({ ...shared, ...event, error: shared.error ?? reason }));
}

/** XADD of each ARGV[2..] as field `e` of its own entry of stream KEYS[1], capped near ARGV[1] entries. */
const ADD_ATTEMPTS = `
for i = 2, #ARGV do
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'e', ARGV[i])
end
return #ARGV - 1
`;

interface AddAttempts {
  addAttempts(stream: string, maxLength: string, ...envelopes: string[]): ChainableCommander;
}

/** Tries of one event kept for its dead-letter entry. */
const TRIES_KEPT = 10;
const SCAN_CHUNK = 500;
const TRIM_EVERY = 100;

/** A page cursor: a stream entry id, and how many of that entry's records were already returned (all when absent). */
const CURSOR = /^(\d+-\d+)(?::(\d+))?$/;

/**
 * Every attempt, per endpoint, in a Redis stream bounded by count (each write) and age (every ~100 writes),
 * plus the last tries of each event still in flight (so that a dead-letter entry can carry them). Newest
 * first when read.
 *
 * A stream entry is one HTTP attempt: field `e` holds an EnvelopeAttempt (all its events). The count bound
 * therefore counts requests, not events.
 */
export class AttemptHistory {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly limits: HistoryLimits,
  ) {
    if (!('addAttempts' in redis)) redis.defineCommand('addAttempts', { numberOfKeys: 1, lua: ADD_ATTEMPTS });
  }

  /**
   * Appends the commands that record attempts (envelopes of one endpoint) to `tx`; the caller executes it
   * with its other writes. One script call adds every entry: at thousands of events a second, the
   * client's cost per command is what counts.
   */
  record(tx: ChainableCommander, endpoint: string, envelopes: readonly EnvelopeAttempt[]): void {
    if (envelopes.length === 0) return;
    const stream = DeliveryKeys.attempts(this.prefix, endpoint);
    (tx as ChainableCommander & AddAttempts).addAttempts(
      stream,
      String(this.limits.attempts),
      ...envelopes.map((envelope) => JSON.stringify(envelope)),
    );
    // Trimming by age costs a scan of the stream's head: about once every TRIM_EVERY entries is enough.
    if (Math.random() < envelopes.length / TRIM_EVERY)
      tx.xtrim(stream, 'MINID', '~', String(Date.now() - this.limits.maxage));
    for (const envelope of envelopes) {
      const records = envelope.events.some((event) => event.outcome !== 'delivered') ? attemptRecords(envelope) : [];
      envelope.events.forEach((event, index) => {
        const tries = DeliveryKeys.tries(this.prefix, endpoint, event.eventId);
        if (event.outcome === 'delivered') {
          // A first attempt has no earlier tries (a replay's go with its dead-letter entry: DeadLetterStore.remove).
          if (event.attempt > 1) tx.del(tries);
          return;
        }
        tx.lpush(tries, JSON.stringify(records[index]));
        tx.ltrim(tries, 0, TRIES_KEPT - 1);
        tx.pexpire(tries, this.limits.maxage);
      });
    }
  }

  /** The last tries of an event not yet delivered, newest first. */
  async tries(endpoint: string, eventId: string): Promise<AttemptRecord[]> {
    const items = await this.redis.lrange(DeliveryKeys.tries(this.prefix, endpoint, eventId), 0, TRIES_KEPT - 1);
    return items.map((item) => JSON.parse(item) as AttemptRecord);
  }

  /**
   * A page of attempts of an endpoint, newest first (the events of one envelope in envelope order), filtered.
   * Scans at most 50 000 stream entries per call. `before` is the `next` of the previous page.
   */
  async list(endpoint: string, query: AttemptQuery = {}): Promise<AttemptPage> {
    const limit = Math.min(Math.max(query.limit ?? 100, 1), 1000);
    const stream = DeliveryKeys.attempts(this.prefix, endpoint);
    const attempts: AttemptRecord[] = [];
    const start = pageStart(query.before);
    if (!start) return { attempts };
    let { end, skip } = start;
    for (let scanned = 0; scanned < 50_000; scanned += SCAN_CHUNK) {
      const entries = await this.redis.xrevrange(stream, end, '-', 'COUNT', SCAN_CHUNK);
      for (const [id, fields] of entries) {
        const records = storedRecords(fields);
        for (let index = skip; index < records.length; index++) {
          const record = records[index]!;
          if (!matches(record, query)) continue;
          attempts.push(record);
          if (attempts.length === limit)
            return { attempts, next: index + 1 < records.length ? `${id}:${index + 1}` : id };
        }
        skip = 0;
      }
      if (entries.length < SCAN_CHUNK) return { attempts };
      end = `(${entries[entries.length - 1]![0]}`;
    }
    return { attempts, next: end.slice(1) };
  }
}

/**
 * Where a page starts reading (newest first): at the newest entry, before the cursor's entry, or inside it,
 * past the records of it already returned (`skip`). Undefined for a cursor we did not make.
 */
function pageStart(before?: string): { end: string; skip: number } | undefined {
  if (!before) return { end: '+', skip: 0 };
  const cursor = CURSOR.exec(before);
  if (!cursor) return undefined;
  return cursor[2] === undefined ? { end: `(${cursor[1]}`, skip: 0 } : { end: cursor[1]!, skip: Number(cursor[2]) };
}

/** The records of one stream entry: field `e`, an envelope's attempt. */
function storedRecords(fields: string[]): AttemptRecord[] {
  const [, value] = fields as [string, string];
  return attemptRecords(JSON.parse(value) as EnvelopeAttempt);
}

function matches(record: AttemptRecord, query: AttemptQuery): boolean {
  if (query.eventId && record.eventId !== query.eventId) return false;
  const status = query.status;
  if (!status) return true;
  if (/^\d+$/.test(status)) return record.status === Number(status);
  if (status === 'failed') return record.outcome !== 'delivered';
  return record.outcome === status;
}
