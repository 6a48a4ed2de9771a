import { describe, expect, it } from 'vitest';
import { checkPath } from '@app/storage';
import { digestOf } from '@app/oci';
import { Paths, ROOT } from './paths.js';

const SHA256 = digestOf('content');
const HEX256 = SHA256.slice('sha256:'.length);
const SHA512 = digestOf('content', 'sha512');
const HEX512 = SHA512.slice('sha512:'.length);

describe('Paths (distribution layout)', () => {
  it('addresses blobs by algorithm, first two hex digits and hex', () => {
    expect(Paths.blobData(SHA256)).toBe(`${ROOT}/blobs/sha256/${HEX256.slice(0, 2)}/${HEX256}/data`);
    expect(Paths.blobDir(SHA512)).toBe(`${ROOT}/blobs/sha512/${HEX512.slice(0, 2)}/${HEX512}`);
    expect(ROOT).toBe('/docker/registry/v2');
  });

  it('puts links, revisions, tags and uploads under the repository, nested names included', () => {
    const repo = `${ROOT}/repositories/library/ubuntu`;
    expect(Paths.layerLink('library/ubuntu', SHA256)).toBe(`${repo}/_layers/sha256/${HEX256}/link`);
    expect(Paths.revisionLink('library/ubuntu', SHA256)).toBe(`${repo}/_manifests/revisions/sha256/${HEX256}/link`);
    expect(Paths.tagCurrentLink('library/ubuntu', 'v1.0')).toBe(`${repo}/_manifests/tags/v1.0/current/link`);
    expect(Paths.tagIndexLink('library/ubuntu', 'v1.0', SHA256)).toBe(
      `${repo}/_manifests/tags/v1.0/index/sha256/${HEX256}/link`,
    );
    expect(Paths.referrerLink('library/ubuntu', SHA256, SHA512)).toBe(
      `${repo}/_manifests/referrers/sha256/${HEX256}/sha512/${HEX512}/link`,
    );
    const id = '2f0a7a52-7e5a-4c1e-9d3e-6f1f4b0b8f11';
    expect(Paths.uploadData('library/ubuntu', id)).toBe(`${repo}/_uploads/${id}/data`);
    expect(Paths.uploadStartedAt('library/ubuntu', id)).toBe(`${repo}/_uploads/${id}/startedat`);
    expect(Paths.uploadsDir('library/ubuntu')).toBe(`${repo}/_uploads`);
  });

  it('gives only paths the driver accepts for names, tags and digests the grammar allows', () => {
    const names = ['a', 'library/ubuntu', 'a.b-c__d/e_f/g--h', `${'x'.repeat(60)}/${'y'.repeat(60)}`];
    const tags = ['latest', 'v1.2.3-rc_1', '_x', 'A'.repeat(128)];
    const id = '2f0a7a52-7e5a-4c1e-9d3e-6f1f4b0b8f11';
    for (const name of names) {
      for (const digest of [SHA256, SHA512]) {
        for (const path of [Paths.layerLink(name, digest), Paths.revisionLink(name, digest), Paths.blobData(digest)]) {
          expect(checkPath(path)).toBe(path);
        }
      }
      for (const tag of tags) expect(checkPath(Paths.tagIndexLink(name, tag, SHA256))).toBeTruthy();
      expect(checkPath(Paths.uploadStartedAt(name, id))).toBeTruthy();
    }
  });

  it('refuses a string that is not a digest', () => {
    for (const bad of ['sha256:../../etc', 'md5:abcd', `sha256:${HEX256.slice(1)}`, '']) {
      expect(() => Paths.blobData(bad)).toThrow();
      expect(() => Paths.layerLink('a', bad)).toThrow();
    }
  });
});
