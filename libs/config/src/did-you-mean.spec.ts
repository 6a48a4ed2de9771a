import { describe, expect, it } from 'vitest';
import { didYouMean, editDistance, nearest } from './did-you-mean.js';

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['timeout', 'timeout', 0],
    ['', 'abc', 3],
    ['timout', 'timeout', 1],
    ['notifcations', 'notifications', 1],
    ['tiemout', 'timeout', 1],
    ['kitten', 'sitting', 3],
    ['ca', 'abc', 3],
  ])('%s → %s is %i', (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
    expect(editDistance(b, a)).toBe(distance);
  });
});

describe('nearest', () => {
  const keys = ['addr', 'net', 'prefix', 'host', 'secret', 'headers', 'debug'];

  it('finds the nearest key, ignoring case', () => {
    expect(nearest('adr', keys)).toBe('addr');
    expect(nearest('Headers', keys)).toBe('headers');
    expect(nearest('secert', keys)).toBe('secret');
  });

  it('finds none when every key is too far to be a typo', () => {
    expect(nearest('zz', keys)).toBeUndefined();
    expect(nearest('tls', keys)).toBeUndefined();
    expect(nearest('anything', [])).toBeUndefined();
  });

  it('takes the first of equally near keys', () => {
    expect(nearest('bat', ['cat', 'bar'])).toBe('cat');
  });

  it('words the hint', () => {
    expect(didYouMean('notifcations', ['log', 'notifications'])).toBe(' (did you mean notifications?)');
    expect(didYouMean('zzz', ['log'])).toBe('');
  });
});
