import { describe, expect, it } from 'vitest';
import { nextLink, paginate, parsePageSize } from './pagination.js';

describe('paginate', () => {
  const all = ['a', 'b', 'c', 'd'];
  it('takes n after last, with next only when entries remain', () => {
    expect(paginate(all, 2, undefined)).toEqual({ entries: ['a', 'b'], next: { n: 2, last: 'b' } });
    expect(paginate(all, 2, 'b')).toEqual({ entries: ['c', 'd'] });
    expect(paginate(all, undefined, 'a')).toEqual({ entries: ['b', 'c', 'd'] });
    expect(paginate(all, 0, undefined)).toEqual({ entries: [] });
    expect(paginate(all, 10, '')).toEqual({ entries: all });
    expect(paginate(all, 1, 'bb')).toEqual({ entries: ['c'], next: { n: 1, last: 'c' } });
  });
});

describe('parsePageSize', () => {
  it('absent or empty → undefined; digits within max → number; anything else PAGINATION_NUMBER_INVALID', () => {
    expect(parsePageSize(undefined)).toBeUndefined();
    expect(parsePageSize('')).toBeUndefined();
    expect(parsePageSize('0')).toBe(0);
    expect(parsePageSize('1000', 1000)).toBe(1000);
    for (const bad of ['-1', '+1', '1e3', ' 1', '1001', 'NaN']) {
      expect(() => parsePageSize(bad, 1000), bad).toThrow(
        expect.objectContaining({ code: 'PAGINATION_NUMBER_INVALID', status: 400 }),
      );
    }
  });
});

describe('nextLink', () => {
  it('is the RFC 5988 link the spec shows, with last encoded', () => {
    expect(nextLink('/v2/a/b/tags/list', { n: 2, last: 'v1.0' })).toBe('</v2/a/b/tags/list?n=2&last=v1.0>; rel="next"');
    expect(nextLink('/v2/_catalog', { n: 1, last: 'a/b' })).toBe('</v2/_catalog?n=1&last=a%2Fb>; rel="next"');
  });
});
