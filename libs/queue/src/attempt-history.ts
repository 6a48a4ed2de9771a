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
  /** The first KiB of the response body. */
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

/** XADD of each ARGV[2..] as field `a` of its own entry of stream KEYS[1], capped near ARGV[1] entries. */
const ADD_ATTEMPTS = `
for i = 2, #ARGV do
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'a', ARGV[i])
end
return #ARGV - 1
`;

interface AddAttempts {
  addAttempts(stream: string, maxLength: string, ...records: string[]): ChainableCommander;
}

/** Tries of one event kept for its dead-letter entry. */
const TRIES_KEPT = 10;
const SCAN_CHUNK = 500;
const TRIM_EVERY = 100;

/**
 * Every attempt, per endpoint, in a Redis stream bounded by count (each write) and age (every ~100 writes), plus the last tries of each
 * event still in flight (so that a dead-letter entry can carry them). Newest first when read.
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
   * Appends the commands that record one attempt's records (all of one endpoint) to `tx`; the caller executes
   * it with its other writes. The stream entries (one per record) are added by one script call, not one
   * XADD each: at thousands of events a second, the client's cost per command is what counts.
   */
  record(tx: ChainableCommander, endpoint: string, records: readonly AttemptRecord[]): void {
    if (records.length === 0) return;
    const stream = DeliveryKeys.attempts(this.prefix, endpoint);
    const json = records.map((record) => JSON.stringify(record));
    (tx as ChainableCommander & AddAttempts).addAttempts(stream, String(this.limits.attempts), ...json);
    // Trimming by age costs a scan of the stream's head: about once every TRIM_EVERY records is enough.
    if (Math.random() < records.length / TRIM_EVERY) tx.xtrim(stream, 'MINID', '~', String(Date.now() - this.limits.maxage));
    records.forEach((record, index) => {
      const tries = DeliveryKeys.tries(this.prefix, endpoint, record.eventId);
      if (record.outcome === 'delivered') {
        // A first attempt has no earlier tries (a replay's go with its dead-letter entry: DeadLetterStore.remove).
        if (record.attempt > 1) tx.del(tries);
        return;
      }
      tx.lpush(tries, json[index]!);
      tx.ltrim(tries, 0, TRIES_KEPT - 1);
      tx.pexpire(tries, this.limits.maxage);
    });
  }

  /** The last tries of an event not yet delivered, newest first. */
  async tries(endpoint: string, eventId: string): Promise<AttemptRecord[]> {
    const items = await this.redis.lrange(DeliveryKeys.tries(this.prefix, endpoint, eventId), 0, TRIES_KEPT - 1);
    return items.map((item) => JSON.parse(item) as AttemptRecord);
  }

  /** A page of attempts of an endpoint, newest first, filtered. Scans at most 50 000 entries per call. */
  async list(endpoint: string, query: AttemptQuery = {}): Promise<AttemptPage> {
    const limit = Math.min(Math.max(query.limit ?? 100, 1), 1000);
    const stream = DeliveryKeys.attempts(this.prefix, endpoint);
    const attempts: AttemptRecord[] = [];
    let end = query.before ? `(${query.before}` : '+';
    for (let scanned = 0; scanned < 50_000; scanned += SCAN_CHUNK) {
      const entries = await this.redis.xrevrange(stream, end, '-', 'COUNT', SCAN_CHUNK);
      for (const [id, fields] of entries) {
        const record = JSON.parse(fields[1]) as AttemptRecord;
        if (!matches(record, query)) continue;
        attempts.push(record);
        if (attempts.length === limit) return { attempts, next: id };
      }
      if (entries.length < SCAN_CHUNK) return { attempts };
      end = `(${entries[entries.length - 1][0]}`;
    }
    return { attempts, next: end.slice(1) };
  }
}

function matches(record: AttemptRecord, query: AttemptQuery): boolean {
  if (query.eventId && record.eventId !== query.eventId) return false;
  const status = query.status;
  if (!status) return true;
  if (/^\d+$/.test(status)) return record.status === Number(status);
  if (status === 'failed') return record.outcome !== 'delivered';
  return record.outcome === status;
}
