import { randomUUID } from 'node:crypto';
import {
  LAYER_MEDIA_TYPE,
  type Descriptor,
  type Event,
  type EventAction,
  type EventTarget,
  type SourceRecord,
} from './event.js';
import { formatRfc3339Nano, systemNanoClock, type NanoClock } from './timestamp.js';

/** What an event needs to know of the HTTP request that caused it (the registry's RequestContext fits). */
export interface EventRequest {
  readonly id: string;
  readonly addr: string;
  readonly host: string;
  readonly method: string;
  readonly useragent: string;
  /** scheme://host[:port] for the digest URL. */
  readonly baseUrl: string;
  /** Authenticated user, if any. */
  readonly actor?: string;
}

/** Content described by an event: a blob or a manifest. */
export interface ContentDescriptor {
  readonly digest: string;
  readonly size: number;
  readonly mediaType?: string;
}

export interface EventBuilderOptions {
  source: SourceRecord;
  /** `notifications.events.includereferences`. */
  includeReferences: boolean;
  clock?: NanoClock;
  newId?: () => string;
}

/**
 * Builds events as distribution's bridge does (notifications/bridge.go): blob events carry
 * `application/octet-stream`, every push/pull/mount target carries `length` = `size` and the digest URL,
 * delete targets carry only the digest or the tag.
 */
export class EventBuilder {
  private readonly clock: NanoClock;
  private readonly newId: () => string;

  constructor(private readonly options: EventBuilderOptions) {
    this.clock = options.clock ?? systemNanoClock;
    this.newId = options.newId ?? randomUUID;
  }

  blobPushed(request: EventRequest, repository: string, blob: ContentDescriptor): Event {
    return this.event('push', request, blobTarget(request, repository, blob));
  }

  /** `upstream`: the remote a pull-through cache served it for. */
  blobPulled(request: EventRequest, repository: string, blob: ContentDescriptor, upstream?: string): Event {
    const target = blobTarget(request, repository, blob);
    return this.event('pull', request, upstream ? { ...target, upstream } : target);
  }

  blobMounted(request: EventRequest, repository: string, blob: ContentDescriptor, fromRepository?: string): Event {
    return this.event('mount', request, { ...blobTarget(request, repository, blob), fromRepository });
  }

  blobDeleted(request: EventRequest, repository: string, digest: string): Event {
    return this.event('delete', request, { digest, repository });
  }

  manifestPushed(
    request: EventRequest,
    repository: string,
    manifest: ContentDescriptor,
    details: ManifestDetails = {},
  ): Event {
    return this.event('push', request, this.manifestTarget(request, repository, manifest, details));
  }

  manifestPulled(
    request: EventRequest,
    repository: string,
    manifest: ContentDescriptor,
    details: ManifestDetails = {},
  ): Event {
    return this.event('pull', request, this.manifestTarget(request, repository, manifest, details));
  }

  manifestDeleted(request: EventRequest, repository: string, digest: string): Event {
    return this.event('delete', request, { digest, repository });
  }

  tagDeleted(request: EventRequest, repository: string, tag: string): Event {
    return this.event('delete', request, { repository, tag });
  }

  private manifestTarget(
    request: EventRequest,
    repository: string,
    manifest: ContentDescriptor,
    details: ManifestDetails,
  ): EventTarget {
    const target: EventTarget = {
      mediaType: manifest.mediaType,
      size: manifest.size,
      digest: manifest.digest,
      length: manifest.size,
      repository,
      url: digestUrl(request.baseUrl, repository, 'manifests', manifest.digest),
      tag: details.tag,
    };
    if (this.options.includeReferences && details.references?.length)
      target.references = details.references.map(referenceDescriptor);
    if (details.upstream) target.upstream = details.upstream;
    return target;
  }

  private event(action: EventAction, request: EventRequest, target: EventTarget): Event {
    return {
      id: this.newId(),
      timestamp: formatRfc3339Nano(this.clock()),
      action,
      target,
      request: {
        id: request.id,
        addr: request.addr,
        host: request.host,
        method: request.method,
        useragent: request.useragent,
      },
      actor: request.actor ? { name: request.actor } : {},
      source: this.options.source,
    };
  }
}

export interface ManifestDetails {
  /** Set when the manifest was pushed or pulled by tag. */
  tag?: string;
  /** Config and layers, or child manifests; kept only with `includereferences`. */
  references?: readonly ReferenceDescriptor[];
  /** The remote a pull-through cache served it for. */
  upstream?: string;
}

/** A descriptor a manifest holds: its `urls` and `annotations` go into the event too, as distribution's do. */
export interface ReferenceDescriptor extends ContentDescriptor {
  readonly urls?: readonly string[];
  readonly annotations?: Readonly<Record<string, string>>;
}

/** `<baseUrl>/v2/<repository>/<manifests|blobs>/<digest>`: always the digest form, as distribution builds it. */
export function digestUrl(baseUrl: string, repository: string, kind: 'manifests' | 'blobs', digest: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/v2/${repository}/${kind}/${digest}`;
}

function blobTarget(request: EventRequest, repository: string, blob: ContentDescriptor): EventTarget {
  // distribution stats blobs as application/octet-stream whatever their content, and so do its events.
  return {
    mediaType: LAYER_MEDIA_TYPE,
    size: blob.size,
    digest: blob.digest,
    length: blob.size,
    repository,
    url: digestUrl(request.baseUrl, repository, 'blobs', blob.digest),
  };
}

/** distribution 2.8.2's Descriptor as JSON: mediaType, size, digest, urls, annotations (no artifactType; platform is never written). */
function referenceDescriptor({ mediaType, size, digest, urls, annotations }: ReferenceDescriptor): Descriptor {
  return {
    mediaType: mediaType ?? LAYER_MEDIA_TYPE,
    size,
    digest,
    ...(urls ? { urls: [...urls] } : {}),
    ...(annotations ? { annotations: { ...annotations } } : {}),
  };
}
