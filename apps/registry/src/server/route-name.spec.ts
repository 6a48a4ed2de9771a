import { describe, expect, it } from 'vitest';
import { pathOf, routeName } from './route-name.js';

describe('routeName', () => {
  it('names every API route with a label of low cardinality', () => {
    expect(routeName('/v2/')).toBe('base');
    expect(routeName('/v2')).toBe('base');
    expect(routeName('/v2/_catalog')).toBe('catalog');
    expect(routeName('/v2/a/b/blobs/uploads/')).toBe('blob_upload');
    expect(routeName('/v2/a/blobs/uploads/0b7c5a2e-1')).toBe('blob_upload_chunk');
    expect(routeName('/v2/a/blobs/sha256:abc')).toBe('blob');
    expect(routeName('/v2/a/manifests/latest')).toBe('manifest');
    expect(routeName('/v2/a/tags/list')).toBe('tags');
    expect(routeName('/v2/a/referrers/sha256:abc')).toBe('referrers');
    expect(routeName('/favicon.ico')).toBe('other');
  });

  it('takes the path of a URL without its query', () => {
    expect(pathOf('/v2/a/tags/list?n=10')).toBe('/v2/a/tags/list');
    expect(pathOf('/v2/')).toBe('/v2/');
  });
});
