/**
 * Every queue name in one place. BullMQ keys are `<prefix>:<queue>:...`; the prefix comes from
 * `redis.prefix` (default "registry").
 */
export const QueueNames = {
  /** One delivery queue per configured endpoint. */
  delivery: (endpoint: string): string => `deliver-${endpointSlug(endpoint)}`,
  /** Administrator mail (panics, errors, delivery alerts). */
  mail: 'mail',
} as const;

/** Endpoint names are free text in the config; queue names may not contain ':'. */
export function endpointSlug(endpoint: string): string {
  return encodeURIComponent(endpoint).replace(/[:%]/g, '_');
}
