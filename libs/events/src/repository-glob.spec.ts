import { describe, expect, it } from 'vitest';
import { compileRepositoryGlob } from './repository-glob.js';

const matches = (glob: string, name: string) => compileRepositoryGlob(glob).test(name);

describe('compileRepositoryGlob', () => {
  it('keeps * and ? within one path segment', () => {
    expect(matches('team/*', 'team/app')).toBe(true);
    expect(matches('team/*', 'team/app/sub')).toBe(false);
    expect(matches('team/ap?', 'team/app')).toBe(true);
    expect(matches('team/ap?', 'team/ap/')).toBe(false);
    expect(matches('*', 'library')).toBe(true);
    expect(matches('*', 'library/ubuntu')).toBe(false);
  });

  it('lets ** span segments', () => {
    expect(matches('team/**', 'team/app/sub')).toBe(true);
    expect(matches('team/**', 'other/app')).toBe(false);
    expect(matches('**', 'a/b/c')).toBe(true);
    expect(matches('**/cache', 'cache')).toBe(true);
    expect(matches('**/cache', 'a/b/cache')).toBe(true);
    expect(matches('**/cache', 'a/bcache')).toBe(false);
  });

  it('treats regular-expression characters literally', () => {
    expect(matches('my.app', 'my.app')).toBe(true);
    expect(matches('my.app', 'myxapp')).toBe(false);
    expect(matches('a+b', 'a+b')).toBe(true);
  });

  it('matches the whole name only', () => {
    expect(matches('app', 'team/app')).toBe(false);
    expect(matches('team', 'team/app')).toBe(false);
  });
});
