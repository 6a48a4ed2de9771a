import { describe, expect, it } from 'vitest';
import type { Event } from './event.js';
import { compileEventFilter } from './event-filter.js';

function event(
  overrides: { action?: Event['action']; mediaType?: string; repository?: string; method?: string } = {},
): Event {
  return {
    id: 'id',
    timestamp: '2026-11-22T12:10:34Z',
    action: overrides.action ?? 'push',
    target: {
      mediaType: 'mediaType' in overrides ? overrides.mediaType : 'application/octet-stream',
      repository: overrides.repository ?? 'golden/app',
    },
    request: { id: 'r', addr: '127.0.0.1:1', host: 'h', method: overrides.method ?? 'PUT', useragent: 'ua' },
    actor: {},
    source: { addr: 'vm:5000', instanceID: 'i' },
  };
}

describe('compileEventFilter', () => {
  it('takes every event without rules', () => {
    const filter = compileEventFilter({});
    expect(filter(event())).toBe(true);
    expect(filter(event({ action: 'delete', mediaType: undefined }))).toBe(true);
  });

  it('drops distribution ignoredmediatypes by exact media type', () => {
    const filter = compileEventFilter({ ignoredmediatypes: ['application/octet-stream'] });
    expect(filter(event())).toBe(false);
    expect(filter(event({ mediaType: 'application/vnd.oci.image.manifest.v1+json' }))).toBe(true);
    expect(filter(event({ action: 'delete', mediaType: undefined }))).toBe(true);
  });

  it('drops ignore.mediatypes and ignore.actions', () => {
    const filter = compileEventFilter({
      ignore: { mediatypes: ['application/vnd.oci.image.index.v1+json'], actions: ['pull', 'mount'] },
    });
    expect(filter(event({ mediaType: 'application/vnd.oci.image.index.v1+json' }))).toBe(false);
    expect(filter(event({ action: 'pull', method: 'GET' }))).toBe(false);
    expect(filter(event({ action: 'mount', method: 'POST' }))).toBe(false);
    expect(filter(event({ action: 'push' }))).toBe(true);
    expect(filter(event({ action: 'delete', mediaType: undefined }))).toBe(true);
  });

  it('drops pulls made by HEAD requests with ignore.headrequests, and nothing else', () => {
    const filter = compileEventFilter({ ignore: { headrequests: true } });
    expect(filter(event({ action: 'pull', method: 'HEAD' }))).toBe(false);
    expect(filter(event({ action: 'pull', method: 'GET' }))).toBe(true);
    expect(filter(event({ action: 'push', method: 'HEAD' }))).toBe(true);
    expect(compileEventFilter({})(event({ action: 'pull', method: 'HEAD' }))).toBe(true);
  });

  it('applies repository include and exclude globs', () => {
    const filter = compileEventFilter({
      repositories: { include: ['golden/**', 'solo'], exclude: ['golden/cache/*'] },
    });
    expect(filter(event({ repository: 'golden/app' }))).toBe(true);
    expect(filter(event({ repository: 'golden/a/b' }))).toBe(true);
    expect(filter(event({ repository: 'solo' }))).toBe(true);
    expect(filter(event({ repository: 'other/app' }))).toBe(false);
    expect(filter(event({ repository: 'golden/cache/x' }))).toBe(false);
    expect(filter(event({ repository: 'golden/cache/x/y' }))).toBe(true);
  });

  it('excludes without include', () => {
    const filter = compileEventFilter({ repositories: { exclude: ['scratch/*'] } });
    expect(filter(event({ repository: 'scratch/tmp' }))).toBe(false);
    expect(filter(event({ repository: 'golden/app' }))).toBe(true);
  });
});
