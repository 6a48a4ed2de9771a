import { describe, expect, it } from 'vitest';
import { isGranted, mentions, mountAccess, requiredAccess, scopeOf } from './access.js';

describe('requiredAccess', () => {
  it('maps methods onto actions for every repository route', () => {
    expect(requiredAccess('GET', '/v2/library/alpine/manifests/latest')).toEqual([
      { resource: { type: 'repository', name: 'library/alpine' }, actions: ['pull'] },
    ]);
    expect(requiredAccess('HEAD', '/v2/a/blobs/sha256:abc')?.[0].actions).toEqual(['pull']);
    expect(requiredAccess('POST', '/v2/a/b/c/blobs/uploads/')?.[0]).toEqual({
      resource: { type: 'repository', name: 'a/b/c' },
      actions: ['pull', 'push'],
    });
    expect(requiredAccess('PATCH', '/v2/a/blobs/uploads/1234')?.[0].actions).toEqual(['pull', 'push']);
    expect(requiredAccess('PUT', '/v2/a/manifests/v1')?.[0].actions).toEqual(['pull', 'push']);
    expect(requiredAccess('DELETE', '/v2/a/manifests/sha256:abc')?.[0].actions).toEqual(['delete']);
    expect(requiredAccess('GET', '/v2/a/tags/list')?.[0].resource.name).toBe('a');
    expect(requiredAccess('GET', '/v2/a/referrers/sha256:abc')?.[0].resource.name).toBe('a');
  });

  it('reads names that contain a route word, and percent-encoded slashes', () => {
    expect(requiredAccess('GET', '/v2/x/blobs/y/manifests/latest')?.[0].resource.name).toBe('x/blobs/y');
    expect(requiredAccess('GET', '/v2/x%2Fy/tags/list')?.[0].resource.name).toBe('x/y');
  });

  it('places paths as Express routes them: any case, optional trailing slash', () => {
    expect(requiredAccess('GET', '/V2/a/Tags/List')?.[0]).toEqual({
      resource: { type: 'repository', name: 'a' },
      actions: ['pull'],
    });
    expect(requiredAccess('GET', '/v2/a/MANIFESTS/latest')?.[0].resource.name).toBe('a');
    expect(requiredAccess('GET', '/v2/_catalog/')?.[0].resource).toEqual({ type: 'registry', name: 'catalog' });
    expect(requiredAccess('GET', '/V2/_Catalog')?.[0].resource).toEqual({ type: 'registry', name: 'catalog' });
    expect(requiredAccess('GET', '/v2/a/tags/list/')?.[0].resource.name).toBe('a');
    expect(
      mountAccess('POST', '/v2/dst/Blobs/Uploads/', new URLSearchParams('mount=sha256:abc&from=src'))?.resource.name,
    ).toBe('src');
  });

  it('asks nothing of /v2/, the catalog scope of /v2/_catalog, and marks unknown paths', () => {
    expect(requiredAccess('GET', '/v2/')).toEqual([]);
    expect(requiredAccess('GET', '/v2')).toEqual([]);
    expect(requiredAccess('GET', '/v2/_catalog')).toEqual([
      { resource: { type: 'registry', name: 'catalog' }, actions: ['*'] },
    ]);
    expect(requiredAccess('GET', '/metrics')).toBeUndefined();
    expect(requiredAccess('GET', '/v2/%E0%A4%A/tags/list')).toBeUndefined();
  });

  it('needs pull on the source of a cross-repository mount', () => {
    const query = new URLSearchParams('mount=sha256:abc&from=src/repo');
    expect(mountAccess('POST', '/v2/dst/blobs/uploads/', query)).toEqual({
      resource: { type: 'repository', name: 'src/repo' },
      actions: ['pull'],
    });
    expect(mountAccess('POST', '/v2/dst/blobs/uploads/', new URLSearchParams('mount=sha256:abc'))).toBeUndefined();
    expect(mountAccess('GET', '/v2/dst/blobs/uploads/', query)).toBeUndefined();
  });
});

describe('grants', () => {
  const pullPush = { resource: { type: 'repository' as const, name: 'a' }, actions: ['pull', 'push'] };

  it('needs every action, across entries, or *', () => {
    expect(isGranted([{ type: 'repository', name: 'a', actions: ['pull'] }], pullPush)).toBe(false);
    expect(
      isGranted(
        [
          { type: 'repository', name: 'a', actions: ['pull'] },
          { type: 'repository', name: 'a', actions: ['push'] },
        ],
        pullPush,
      ),
    ).toBe(true);
    expect(isGranted([{ type: 'repository', name: 'a', actions: ['*'] }], pullPush)).toBe(true);
    expect(isGranted([{ type: 'repository', name: 'b', actions: ['*'] }], pullPush)).toBe(false);
    expect(isGranted([{ type: 'registry', name: 'a', actions: ['*'] }], pullPush)).toBe(false);
  });

  it('tells a resource the token server considered from one it never saw', () => {
    expect(mentions([{ type: 'repository', name: 'a', actions: [] }], pullPush)).toBe(true);
    expect(mentions([{ type: 'repository', name: 'b', actions: ['pull'] }], pullPush)).toBe(false);
  });

  it('writes scopes as the token protocol does', () => {
    expect(scopeOf(pullPush)).toBe('repository:a:pull,push');
    expect(scopeOf({ resource: { type: 'registry', name: 'catalog' }, actions: ['*'] })).toBe('registry:catalog:*');
  });
});
