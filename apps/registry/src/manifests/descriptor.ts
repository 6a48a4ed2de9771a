import { parseDigest } from '@app/oci';
import { RegistryError } from '../errors/index.js';

/** An OCI content descriptor as a manifest holds it, checked field by field. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  artifactType?: string;
}

/** MANIFEST_INVALID with a detail saying which field is wrong; every parse failure goes through here. */
export function invalid(reason: string, field?: string): RegistryError {
  return new RegistryError('MANIFEST_INVALID', 'manifest invalid', field ? { reason, field } : { reason });
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid('must be a string', field);
  return value;
}

export function optionalAnnotations(value: unknown, field: string): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value) || !Object.values(value).every((entry) => typeof entry === 'string')) {
    throw invalid('must be an object of strings', field);
  }
  return value as Record<string, string>;
}

/** A descriptor: mediaType, a digest we support, a non-negative integer size; urls/annotations typed. */
export function parseDescriptor(value: unknown, field: string): Descriptor {
  if (!isObject(value)) throw invalid('must be a descriptor object', field);
  const { mediaType, digest, size, urls } = value;
  if (typeof mediaType !== 'string' || mediaType === '') throw invalid('mediaType must be a non-empty string', field);
  if (typeof digest !== 'string' || !parseDigest(digest))
    throw invalid('digest must be sha256:<64 hex> or sha512:<128 hex>', field);
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)
    throw invalid('size must be a non-negative integer', field);
  if (urls !== undefined && (!Array.isArray(urls) || !urls.every((url) => typeof url === 'string'))) {
    throw invalid('urls must be an array of strings', field);
  }
  const descriptor: Descriptor = { mediaType, digest, size };
  if (urls !== undefined && urls.length > 0) descriptor.urls = urls as string[];
  const annotations = optionalAnnotations(value.annotations, `${field}.annotations`);
  if (annotations) descriptor.annotations = annotations;
  const artifactType = optionalString(value.artifactType, `${field}.artifactType`);
  if (artifactType !== undefined) descriptor.artifactType = artifactType;
  return descriptor;
}

export function parseDescriptors(value: unknown, field: string): Descriptor[] {
  if (!Array.isArray(value)) throw invalid('must be an array of descriptors', field);
  return value.map((entry, index) => parseDescriptor(entry, `${field}[${index}]`));
}

/** External URLs of a non-distributable layer: http or https, no fragment (distribution's rule without allow/deny lists). */
export function checkLayerUrls(urls: string[], field: string): void {
  for (const url of urls) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw invalid('urls must be absolute http(s) URLs', field);
    }
    if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.hash !== '') {
      throw invalid('urls must be http(s) URLs without a fragment', field);
    }
  }
}
