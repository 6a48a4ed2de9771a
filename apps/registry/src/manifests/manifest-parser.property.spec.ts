import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MANIFEST_MEDIA_TYPES, MediaTypes } from '@app/oci';
import { RegistryError } from '../errors/index.js';
import { parseManifest, parseStoredManifest } from './manifest-parser.js';

const hex = (length: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: length, maxLength: length });
const digest = fc.oneof(
  hex(64).map((h) => `sha256:${h}`),
  hex(128).map((h) => `sha512:${h}`),
  fc.string(),
);
/** Values of every JSON type, and the shapes a descriptor field may wrongly take. */
const anyValue = fc.oneof(fc.jsonValue(), fc.constant(undefined), fc.constant(null), fc.constant({}), fc.constant([]));
const descriptor = fc.record(
  {
    mediaType: fc.oneof(fc.constantFrom(MediaTypes.ociConfig, 'application/vnd.oci.image.layer.v1.tar+gzip'), anyValue),
    digest: fc.oneof(digest, anyValue),
    size: fc.oneof(fc.nat(), fc.integer(), fc.double(), anyValue),
    urls: fc.oneof(fc.constant(undefined), fc.array(fc.oneof(fc.webUrl(), fc.string(), anyValue), { maxLength: 2 })),
    annotations: fc.oneof(fc.constant(undefined), fc.dictionary(fc.string(), fc.oneof(fc.string(), anyValue))),
    platform: fc.oneof(fc.constant(undefined), fc.record({ architecture: anyValue, os: anyValue })),
  },
  { requiredKeys: [] },
);
const mediaType = fc.oneof(fc.constantFrom(...MANIFEST_MEDIA_TYPES, MediaTypes.dockerSchema1), anyValue);
/** Manifests near the valid ones: each field of an image or index present or not, well or badly typed. */
const manifest = fc.record(
  {
    schemaVersion: fc.oneof(fc.constantFrom(1, 2, '2'), anyValue),
    mediaType,
    artifactType: fc.oneof(fc.string(), anyValue),
    config: fc.oneof(descriptor, anyValue),
    layers: fc.oneof(fc.array(fc.oneof(descriptor, anyValue), { maxLength: 3 }), anyValue),
    manifests: fc.oneof(fc.array(fc.oneof(descriptor, anyValue), { maxLength: 3 }), anyValue),
    subject: fc.oneof(descriptor, anyValue),
    annotations: fc.oneof(fc.dictionary(fc.string(), fc.oneof(fc.string(), anyValue)), anyValue),
  },
  { requiredKeys: [] },
);
const contentType = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom(...MANIFEST_MEDIA_TYPES, 'application/json', 'application/x-foo', '', ';', 'APPLICATION/JSON; x=y'),
  fc.string(),
);
const body = fc.oneof(
  manifest.map((document) => Buffer.from(JSON.stringify(document))),
  fc.jsonValue().map((value) => Buffer.from(JSON.stringify(value) ?? '')),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
  fc.string().map((text) => Buffer.from(text)),
);

const sha256 = hex(64).map((h) => `sha256:${h}`);
const validDescriptor = (types: readonly string[]) =>
  fc.record({ mediaType: fc.constantFrom(...types), digest: sha256, size: fc.nat() });
const LAYERS = ['application/vnd.oci.image.layer.v1.tar+gzip', 'application/vnd.oci.image.layer.v1.tar'];
const validImage = fc.record({
  schemaVersion: fc.constant(2),
  mediaType: fc.constant(MediaTypes.ociManifest),
  config: validDescriptor([MediaTypes.ociConfig, MediaTypes.ociEmpty]),
  layers: fc.array(validDescriptor(LAYERS), { maxLength: 3 }),
});
const validIndex = fc.record({
  schemaVersion: fc.constant(2),
  mediaType: fc.constant(MediaTypes.ociIndex),
  manifests: fc.array(validDescriptor([MediaTypes.ociManifest]), { maxLength: 3 }),
});
/** A valid image or index, possibly with one field replaced by a value of any type, sent with its own type. */
const nearValid = fc
  .tuple(
    fc.oneof(validImage, validIndex),
    fc.option(fc.constantFrom('schemaVersion', 'mediaType', 'config', 'layers', 'manifests', 'subject')),
    anyValue,
    fc.constantFrom('own', 'generic', 'absent'),
  )
  .map(([document, field, value, typing]) => {
    const changed: Record<string, unknown> = { ...document };
    if (field !== null) changed[field] = value;
    const type = typing === 'own' ? document.mediaType : typing === 'generic' ? 'application/json' : undefined;
    return { content: Buffer.from(JSON.stringify(changed)), type };
  });

/** parseManifest's outcome: parsed, or MANIFEST_INVALID; any other throw fails the property. */
function parses(run: () => unknown): boolean {
  try {
    run();
    return true;
  } catch (error) {
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).code).toBe('MANIFEST_INVALID');
    expect((error as RegistryError).status).toBe(400);
    return false;
  }
}

describe('manifest parsing (property)', () => {
  it('any body with any Content-Type parses or is MANIFEST_INVALID (400), never another error', () => {
    fc.assert(
      fc.property(body, contentType, (content, type) => {
        if (parses(() => parseManifest(content, type))) {
          const parsed = parseManifest(content, type);
          expect(MANIFEST_MEDIA_TYPES).toContain(parsed.mediaType);
          for (const blob of [...parsed.blobs, ...parsed.manifests]) expect(blob.digest).toMatch(/^sha(256|512):/);
          // What was accepted reads back the same from storage.
          expect(parseStoredManifest(content).mediaType).toBe(parsed.mediaType);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('near-valid manifests: valid ones parse (and read back the same), broken ones are MANIFEST_INVALID', () => {
    let parsed = 0;
    fc.assert(
      fc.property(nearValid, ({ content, type }) => {
        if (!parses(() => parseManifest(content, type))) return;
        parsed++;
        expect(parseStoredManifest(content).mediaType).toBe(parseManifest(content, type).mediaType);
      }),
      { numRuns: 2000 },
    );
    expect(parsed).toBeGreaterThan(200);
  });

  it('a stored manifest of any shape parses or is MANIFEST_INVALID, never another error', () => {
    fc.assert(
      fc.property(body, (content) => void parses(() => parseStoredManifest(content))),
      { numRuns: 1000 },
    );
  });
});
