import { describe, expect, it } from 'vitest';
import { MediaTypes } from '@app/oci';
import { RegistryError } from '../errors/index.js';
import { bareMediaType, MAX_MANIFEST_SIZE, parseManifest, parseStoredManifest } from './manifest-parser.js';

const d = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;
const config = { mediaType: MediaTypes.ociConfig, digest: d(1), size: 10 };
const layer = { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: d(2), size: 20 };
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const image = (extra: Record<string, unknown> = {}) => ({
  schemaVersion: 2,
  mediaType: MediaTypes.ociManifest,
  config,
  layers: [layer],
  ...extra,
});

function invalidReason(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).code).toBe('MANIFEST_INVALID');
    return JSON.stringify((error as RegistryError).detail);
  }
  throw new Error('expected MANIFEST_INVALID');
}

describe('parseManifest', () => {
  it('an OCI image manifest: blobs and references are config then layers; artifactType falls back to the config type', () => {
    const parsed = parseManifest(json(image({ annotations: { a: 'b' } })), MediaTypes.ociManifest);
    expect(parsed).toEqual({
      mediaType: MediaTypes.ociManifest,
      blobs: [config, layer],
      manifests: [],
      references: [config, layer],
      artifactType: MediaTypes.ociConfig,
      annotations: { a: 'b' },
    });
    expect(parseManifest(json(image({ artifactType: 'x/y' })), MediaTypes.ociManifest).artifactType).toBe('x/y');
  });

  it('an index: its children are manifests to find, and its references', () => {
    const child = {
      mediaType: MediaTypes.ociManifest,
      digest: d(3),
      size: 30,
      platform: { os: 'linux', architecture: 'amd64' },
    };
    const parsed = parseManifest(
      json({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: [child] }),
      MediaTypes.ociIndex,
    );
    expect(parsed.blobs).toEqual([]);
    expect(parsed.manifests).toEqual([{ mediaType: child.mediaType, digest: child.digest, size: child.size }]);
    expect(parsed.artifactType).toBeUndefined();
  });

  it('Docker types ignore OCI-only fields (subject) and need their mediaType in the body', () => {
    const docker = {
      schemaVersion: 2,
      mediaType: MediaTypes.dockerManifest,
      config: { ...config, mediaType: MediaTypes.dockerConfig },
      layers: [],
      subject: config,
    };
    const parsed = parseManifest(json(docker), MediaTypes.dockerManifest);
    expect(parsed.subject).toBeUndefined();
    expect(parsed.artifactType).toBeUndefined();
    expect(
      invalidReason(() => parseManifest(json({ ...docker, mediaType: undefined }), MediaTypes.dockerManifest)),
    ).toMatch(/must carry its mediaType/);
  });

  it('the media type: Content-Type (with parameters, any case) when it names a manifest type, else the body', () => {
    expect(parseManifest(json(image()), 'Application/VND.oci.image.manifest.v1+json; charset=utf-8').mediaType).toBe(
      MediaTypes.ociManifest,
    );
    expect(parseManifest(json(image()), '').mediaType).toBe(MediaTypes.ociManifest);
    expect(parseManifest(json(image()), 'application/json').mediaType).toBe(MediaTypes.ociManifest);
    expect(invalidReason(() => parseManifest(json(image()), MediaTypes.ociIndex))).toMatch(
      /does not match Content-Type/,
    );
    expect(invalidReason(() => parseManifest(json(image({ mediaType: undefined })), undefined))).toMatch(
      /unsupported manifest media type \(none\)/,
    );
  });

  it('an untyped OCI manifest body that has a manifests field is ambiguous and refused', () => {
    expect(
      invalidReason(() => parseManifest(json(image({ mediaType: undefined, manifests: [] })), MediaTypes.ociManifest)),
    ).toMatch(/no manifests field/);
  });

  it('the size limit is checked before parsing', () => {
    expect(invalidReason(() => parseManifest(Buffer.alloc(MAX_MANIFEST_SIZE + 1, 32), MediaTypes.ociManifest))).toMatch(
      /larger than/,
    );
  });

  it('names the faulty field', () => {
    expect(
      invalidReason(() =>
        parseManifest(json(image({ layers: [layer, { ...layer, size: -3 }] })), MediaTypes.ociManifest),
      ),
    ).toMatch(/layers\[1\]/);
  });
});

describe('parseStoredManifest', () => {
  it('infers an untyped document as distribution does: manifests → index, else image manifest', () => {
    expect(parseStoredManifest(json({ schemaVersion: 2, manifests: [] })).mediaType).toBe(MediaTypes.ociIndex);
    expect(parseStoredManifest(json({ schemaVersion: 2, config, layers: [] })).mediaType).toBe(MediaTypes.ociManifest);
  });
});

describe('bareMediaType', () => {
  it('strips parameters and case; empty is undefined', () => {
    expect(bareMediaType(' Application/Json ; q=1')).toBe('application/json');
    expect(bareMediaType('')).toBeUndefined();
    expect(bareMediaType(undefined)).toBeUndefined();
  });
});
