import { randomUUID } from 'node:crypto';
import type { Event, EventAction } from '@app/events';

export interface AuditEventFields {
  at: number;
  action: EventAction;
  repository: string;
  actor?: string;
  tag?: string;
  digest?: string;
  addr?: string;
}

/** An event as the registry emits it, for the audit store's tests and benchmark. */
export function auditEvent(fields: AuditEventFields): Event {
  const { at, action, repository, actor, tag, digest = `sha256:${'0'.repeat(64)}`, addr = '192.0.2.1' } = fields;
  return {
    id: randomUUID(),
    timestamp: new Date(at).toISOString(),
    action,
    target: {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      size: 1234,
      digest,
      length: 1234,
      repository,
      url: `http://registry.test/v2/${repository}/manifests/${digest}`,
      ...(tag ? { tag } : {}),
    },
    request: { id: randomUUID(), addr: `${addr}:50000`, host: 'registry.test', method: 'GET', useragent: 'test/1' },
    actor: actor ? { name: actor } : {},
    source: { addr: 'registry.test:5000', instanceID: 'instance-1' },
  };
}
