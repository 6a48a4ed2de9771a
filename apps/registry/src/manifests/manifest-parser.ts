import { MANIFEST_MEDIA_TYPES, MediaTypes } from '@app/oci';
import {
  checkLayerUrls,
  invalid,
  isObject,
  optionalAnnotations,
  optionalString,
  parseDescriptor,
  parseDescriptors,
  type Descriptor,
} from './descriptor.js';

/**
 * Manifest parsing and validation per media type (OCI image manifest and index, Docker schema2 manifest and
 * manifest list), as distribution's manifest handlers check them. Schema1 is refused. Everything wrong with
 * the document is MANIFEST_INVALID; whether the referenced blobs exist is the service's business.
 */
export interface ParsedManifest {
  mediaType: string;
  /** Blobs that must be linked in the repository: config and the layers that are not external. */
  blobs: Descriptor[];
  /** Manifests that must be revisions of the repository (the children of an index or list). */
  manifests: Descriptor[];
  /** What events list as `references`: config then layers, or the children. */
  references: Descriptor[];
  /** OCI 1.1 `subject`. */
  subject?: Descriptor;
  /** `artifactType`, else the config's media type for an image manifest (what the referrers API reports). */
  artifactType?: string;
  annotations?: Record<string, string>;
}

/** distribution's limit on a manifest body (maxManifestBodySize). */
export const MAX_MANIFEST_SIZE = 4 * 1024 * 1024;

const SCHEMA1_TYPES: readonly string[] = [MediaTypes.dockerSchema1, MediaTypes.dockerSchema1Signed];
const OCI_LAYER_TYPES: readonly string[] = [
  'application/vnd.oci.image.layer.v1.tar',
  'application/vnd.oci.image.layer.v1.tar+gzip',
  'application/vnd.oci.image.layer.v1.tar+zstd',
  'application/vnd.oci.image.layer.nondistributable.v1.tar',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
];
const DOCKER_FOREIGN_LAYER = 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip';

/** The media type part of a Content-Type or Accept entry, lower-cased, without parameters. */
export function bareMediaType(value: string | undefined): string | undefined {
  const type = value?.split(';')[0]?.trim().toLowerCase();
  return type || undefined;
}

/** Parses a pushed manifest; `contentType` is the request's Content-Type header. */
export function parseManifest(content: Buffer, contentType: string | undefined): ParsedManifest {
  if (content.length > MAX_MANIFEST_SIZE) throw invalid(`manifest is larger than ${MAX_MANIFEST_SIZE} bytes`);
  const document = parseJson(content);
  const headerType = bareMediaType(contentType);
  const bodyType = optionalString(document.mediaType, 'mediaType');
  refuseSchema1(headerType, bodyType, document.schemaVersion);
  if (document.schemaVersion !== 2) throw invalid('schemaVersion must be 2', 'schemaVersion');
  const mediaType = resolveMediaType(headerType, bodyType);
  return parseByType(document, mediaType, bodyType !== undefined);
}

/** Parses a stored manifest (accepted earlier): its type is its mediaType, or inferred as distribution does. */
export function parseStoredManifest(content: Buffer): ParsedManifest {
  const document = parseJson(content);
  const bodyType = optionalString(document.mediaType, 'mediaType');
  const mediaType = bodyType ?? (Array.isArray(document.manifests) ? MediaTypes.ociIndex : MediaTypes.ociManifest);
  return parseByType(document, mediaType, true);
}

function parseJson(content: Buffer): Record<string, unknown> {
  let document: unknown;
  try {
    document = JSON.parse(content.toString('utf8'));
  } catch {
    throw invalid('body is not valid JSON');
  }
  if (!isObject(document)) throw invalid('body must be a JSON object');
  return document;
}

function refuseSchema1(headerType: string | undefined, bodyType: string | undefined, schemaVersion: unknown): void {
  if (schemaVersion === 1 || SCHEMA1_TYPES.includes(headerType ?? '') || SCHEMA1_TYPES.includes(bodyType ?? '')) {
    throw invalid('Docker schema1 manifests are not supported: push a schema2 or OCI manifest', 'schemaVersion');
  }
}

/** Content-Types that name no media type of their own: the body's mediaType decides. */
const GENERIC_TYPES: readonly string[] = ['application/json'];

/**
 * The Content-Type decides when it names a manifest type, and the body's mediaType must then agree; a generic
 * Content-Type (absent, application/json) defers to the body's mediaType; any other is refused, as
 * distribution refuses a type it has no manifest handler for.
 */
function resolveMediaType(headerType: string | undefined, bodyType: string | undefined): string {
  if (headerType && MANIFEST_MEDIA_TYPES.includes(headerType)) {
    if (bodyType !== undefined && bodyType !== headerType) {
      throw invalid(`mediaType ${bodyType} does not match Content-Type ${headerType}`, 'mediaType');
    }
    return headerType;
  }
  if (headerType && !GENERIC_TYPES.includes(headerType))
    throw invalid(`Content-Type ${headerType} is not a manifest media type`, 'mediaType');
  if (bodyType !== undefined && MANIFEST_MEDIA_TYPES.includes(bodyType)) return bodyType;
  throw invalid(`unsupported manifest media type ${bodyType ?? headerType ?? '(none)'}`, 'mediaType');
}

function parseByType(document: Record<string, unknown>, mediaType: string, bodyTyped: boolean): ParsedManifest {
  switch (mediaType) {
    case MediaTypes.ociManifest:
      if (!bodyTyped && 'manifests' in document) throw invalid('an image manifest has no manifests field', 'manifests');
      return parseImage(document, mediaType, true);
    case MediaTypes.dockerManifest:
      if (!bodyTyped) throw invalid('a Docker schema2 manifest must carry its mediaType', 'mediaType');
      return parseImage(document, mediaType, false);
    case MediaTypes.ociIndex:
      return parseIndex(document, mediaType, true);
    case MediaTypes.dockerManifestList:
      if (!bodyTyped) throw invalid('a Docker manifest list must carry its mediaType', 'mediaType');
      return parseIndex(document, mediaType, false);
    default:
      throw invalid(`unsupported manifest media type ${mediaType}`, 'mediaType');
  }
}

function parseImage(document: Record<string, unknown>, mediaType: string, oci: boolean): ParsedManifest {
  if (document.config === undefined) throw invalid('config is required', 'config');
  const config = parseDescriptor(document.config, 'config');
  if (document.layers === undefined) throw invalid('layers is required', 'layers');
  const layers = parseDescriptors(document.layers, 'layers');
  const blobs = [config];
  layers.forEach((layer, index) => {
    if (!isExternalLayer(layer, oci, `layers[${index}]`)) blobs.push(layer);
  });
  if (config.urls) throw invalid('config must not have urls', 'config.urls');
  const parsed: ParsedManifest = { mediaType, blobs, manifests: [], references: [config, ...layers] };
  if (oci) addOciFields(parsed, document, config.mediaType);
  return parsed;
}

/**
 * A layer fetched by clients from its `urls` (OCI non-distributable or any OCI layer type with urls, Docker
 * foreign layers), whose presence is not checked; urls anywhere else are refused, as distribution does.
 */
function isExternalLayer(layer: Descriptor, oci: boolean, field: string): boolean {
  const allowsUrls = oci ? OCI_LAYER_TYPES.includes(layer.mediaType) : layer.mediaType === DOCKER_FOREIGN_LAYER;
  if (!oci && layer.mediaType === DOCKER_FOREIGN_LAYER && !layer.urls)
    throw invalid('a foreign layer needs urls', `${field}.urls`);
  if (!layer.urls) return false;
  if (!allowsUrls) throw invalid(`urls are not allowed on ${layer.mediaType}`, `${field}.urls`);
  checkLayerUrls(layer.urls, `${field}.urls`);
  return true;
}

function parseIndex(document: Record<string, unknown>, mediaType: string, oci: boolean): ParsedManifest {
  if (document.manifests === undefined) throw invalid('manifests is required', 'manifests');
  const children = parseDescriptors(document.manifests, 'manifests');
  const parsed: ParsedManifest = { mediaType, blobs: [], manifests: children, references: children };
  if (oci) addOciFields(parsed, document, undefined);
  return parsed;
}

function addOciFields(
  parsed: ParsedManifest,
  document: Record<string, unknown>,
  configMediaType: string | undefined,
): void {
  if (document.subject !== undefined) parsed.subject = parseDescriptor(document.subject, 'subject');
  const artifactType = optionalString(document.artifactType, 'artifactType') ?? configMediaType;
  if (artifactType !== undefined) parsed.artifactType = artifactType;
  const annotations = optionalAnnotations(document.annotations, 'annotations');
  if (annotations) parsed.annotations = annotations;
}
