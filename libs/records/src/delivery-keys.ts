import { endpointSlug } from '@app/queue';

/**
 * Redis keys of the delivery pipeline's own records, all under `redis.prefix`. The worker writes them; the
 * registry's debug listener (admin API, /metrics) reads them. Layout per endpoint:
 *
 *   <prefix>:delivery:<endpoint>:attempts        stream, one entry per HTTP attempt: field `e` = EnvelopeAttempt
 *                                                JSON, bounded by notifications.history.attempts and .maxage
 *   <prefix>:delivery:<endpoint>:tries:<event>   list, the last attempts of one event not yet delivered
 *   <prefix>:delivery:<endpoint>:state           hash, EndpointState
 *   <prefix>:delivery:<endpoint>:metrics         hash, counters and latency buckets (DeliveryMetricFields)
 *   <prefix>:delivery:<endpoint>:dead            sorted set, event id scored by dead-letter time (ms)
 *   <prefix>:delivery:<endpoint>:dead:entries    hash, event id → DeadLetterEntry JSON
 */
export const DeliveryKeys = {
  attempts: (prefix: string, endpoint: string): string => `${base(prefix, endpoint)}:attempts`,
  tries: (prefix: string, endpoint: string, eventId: string): string => `${base(prefix, endpoint)}:tries:${eventId}`,
  state: (prefix: string, endpoint: string): string => `${base(prefix, endpoint)}:state`,
  metrics: (prefix: string, endpoint: string): string => `${base(prefix, endpoint)}:metrics`,
  deadLetters: (prefix: string, endpoint: string): string => `${base(prefix, endpoint)}:dead`,
  deadLetterEntries: (prefix: string, endpoint: string): string => `${base(prefix, endpoint)}:dead:entries`,
} as const;

function base(prefix: string, endpoint: string): string {
  return `${prefix}:delivery:${endpointSlug(endpoint)}`;
}
