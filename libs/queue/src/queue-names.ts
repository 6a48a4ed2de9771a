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
