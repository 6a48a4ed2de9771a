/** The event log's key, under `redis.prefix` (the delivery records' keys are in delivery-keys.ts). */
export const RedisKeys = {
  /** Stream of every accepted event (field `event`: JSON). Written by the worker (EventLog, from the
   *  event-log queue); read by the admin API's event query. */
  eventLog: (prefix: string): string => `${prefix}:eventlog`,
} as const;
