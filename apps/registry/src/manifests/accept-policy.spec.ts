import { describe, expect, it } from 'vitest';
import { MediaTypes } from '@app/oci';
import { acceptedTypes, checkChildAccepted, defaultPlatformChild, negotiate } from './accept-policy.js';

const { ociManifest, ociIndex, dockerManifest, dockerManifestList } = MediaTypes;

describe('acceptedTypes', () => {
  it('splits lists and repeated headers, drops parameters, lower-cases', () => {
    expect(
      acceptedTypes([`${ociManifest};q=0.9, ${dockerManifest}`, 'Application/VND.OCI.IMAGE.INDEX.V1+JSON']),
    ).toEqual([ociManifest, dockerManifest, ociIndex]);
    expect(acceptedTypes(undefined)).toEqual([]);
    expect(acceptedTypes(' , ')).toEqual([]);
  });
});

describe('negotiate (distribution GetManifest)', () => {
  it.each([
    [ociManifest, [ociManifest], true, 'stored'],
    [ociIndex, [ociIndex], false, 'stored'],
    [dockerManifest, [], true, 'stored'],
    [dockerManifestList, [dockerManifestList], true, 'stored'],
    [dockerManifestList, [dockerManifest], true, 'platform-child'],
    [dockerManifestList, [], false, 'stored'],
  ])('%s with Accept %j (by tag: %s) → %s', (stored, accept, byTag, decision) => {
    expect(negotiate(stored, accept, byTag)).toBe(decision);
  });

  it.each([
    [ociManifest, [dockerManifest, dockerManifestList]],
    [ociManifest, ['*/*']],
    [ociIndex, [ociManifest]],
  ])('%s with Accept %j → MANIFEST_UNKNOWN', (stored, accept) => {
    expect(() => negotiate(stored, accept, true)).toThrow(
      expect.objectContaining({ code: 'MANIFEST_UNKNOWN', status: 404 }),
    );
  });
});

describe('platform fallback', () => {
  it('picks linux/amd64; none is MANIFEST_UNKNOWN', () => {
    const list = {
      manifests: [
        { digest: 'sha256:arm', platform: { architecture: 'arm64', os: 'linux' } },
        { digest: 'sha256:amd', platform: { architecture: 'amd64', os: 'linux' } },
      ],
    };
    expect(defaultPlatformChild(Buffer.from(JSON.stringify(list)))).toBe('sha256:amd');
    expect(() => defaultPlatformChild(Buffer.from(JSON.stringify({ manifests: [list.manifests[0]] })))).toThrow(
      expect.objectContaining({ code: 'MANIFEST_UNKNOWN' }),
    );
  });

  it('a schema2 child needs schema2 in Accept (no schema1 conversion)', () => {
    expect(() => checkChildAccepted(dockerManifest, [ociManifest])).toThrow(
      expect.objectContaining({ code: 'MANIFEST_INVALID' }),
    );
    expect(() => checkChildAccepted(dockerManifest, [dockerManifest])).not.toThrow();
  });
});
