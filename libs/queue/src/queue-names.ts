/**
 * The contract between the two apps: the registry writes jobs into these queues (delivery-job.ts,
 * event-log-job.ts, mail-job.ts) and the worker consumes them; neither app touches the other's keys.
 * Every queue name in one place. BullMQ keys are `<prefix>:<queue>:...`; the prefix comes from
 * `redis.prefix` (default "registry").
 */
export const QueueNames = {
  /** One delivery queue per configured endpoint. */
  delivery: (endpoint: string): string => `deliver-${endpointSlug(endpoint)}`,
  /** Every accepted event, for the worker's event log (the admin API's event query). */
  eventLog: 'events',
  /** Administrator mail (panics, errors, delivery alerts). */
  mail: 'mail',
} as const;

const slugs = new Map<string, string>();

/** Endpoint names are free text in the config; queue names may not contain ':'. (Asked for at every record: kept.) */
export function endpointSlug(endpoint: string): string {
  let slug = slugs.get(endpoint);
  if (slug === undefined) {
    slug = encodeURIComponent(endpoint).replace(/[:%]/g, '_');
    if (slugs.size < 10_000) slugs.set(endpoint, slug);
  }
  return slug;
}
