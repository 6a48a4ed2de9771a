import type { Event } from '@app/events';

/**
 * Compares our envelopes with distribution's captures field by field, leaving aside what differs by nature:
 * ids and timestamps (only their formats are checked), digests and sizes (mapped to roles such as
 * `v1/ref1`, learned from the manifest events of each side), hosts and client addresses.
 */
export class DigestRoles {
  private readonly roles = new Map<string, string>();

  /** Learns roles from manifest events: the manifest by its tag or order, its references by position. */
  learn(events: readonly Event[]): void {
    // Tagged manifests first: an index names its children by position whatever order they arrived in.
    const tagged = events.filter((event) => event.target.tag);
    for (const event of [...tagged, ...events.filter((event) => !event.target.tag)]) {
      const { digest, references, tag } = event.target;
      if (!digest || !references) continue;
      const role = this.roles.get(digest) ?? `manifest:${tag ?? this.roles.size}`;
      this.roles.set(digest, role);
      references.forEach((reference, index) => {
        if (!this.roles.has(reference.digest)) this.roles.set(reference.digest, `${role}/ref${index}`);
      });
    }
  }

  name(digest: string | undefined): string | undefined {
    if (!digest) return undefined;
    return this.roles.get(digest) ?? `unknown:${digest.slice(0, 19)}`;
  }
}

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const RFC3339_NANO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/;

/** What must be equal between our event and distribution's. */
export function eventShape(event: Event, roles: DigestRoles): Record<string, unknown> {
  const target = event.target;
  return {
    keys: Object.keys(event),
    idIsUuidV4: UUID_V4.test(event.id),
    timestampIsRfc3339Nano: RFC3339_NANO.test(event.timestamp) && !/0Z$/.test(event.timestamp),
    action: event.action,
    targetKeys: Object.keys(target),
    mediaType: target.mediaType,
    digest: roles.name(target.digest),
    lengthIsSize: target.length === target.size,
    repository: target.repository,
    fromRepository: target.fromRepository,
    url: target.url
      ?.replace(/^http:\/\/[^/]+/, 'http://HOST')
      .replace(/sha256:[0-9a-f]{64}/, (digest) => roles.name(digest)!),
    tag: target.tag,
    references: target.references?.map((reference) => ({
      keys: Object.keys(reference),
      mediaType: reference.mediaType,
      digest: roles.name(reference.digest),
    })),
    requestKeys: Object.keys(event.request),
    method: event.request.method,
    requestAddrIsHostPort: /^[\d.]+:\d+$/.test(event.request.addr),
    actor: event.actor,
    sourceKeys: Object.keys(event.source),
    sourceAddrIsHostPort: /^[^:]+:\d+$/.test(event.source.addr),
  };
}

/** Shapes as a sorted multiset, for scenarios whose clients run requests concurrently. */
export function sortedShapes(events: readonly Event[], roles: DigestRoles): string[] {
  return events.map((event) => JSON.stringify(eventShape(event, roles))).sort();
}
