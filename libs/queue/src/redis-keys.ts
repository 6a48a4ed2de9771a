/**
 * Redis keys outside BullMQ's own, all under `redis.prefix`. Writers and readers of each key are named so
 * that the two apps agree.
 */
export const RedisKeys = {
  /** Stream of every accepted event (field `event`: JSON). Written by the registry's broadcaster in the
   *  same round trip as the enqueue; read by the admin API's event-log query; trimmed by history limits. */
  eventLog: (prefix: string): string => `${prefix}:eventlog`,
} as const;
