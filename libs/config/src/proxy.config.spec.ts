import { describe, expect, it } from 'vitest';
import { ConfigError, fromObject, loadConfig } from './load-config.js';

const base = { version: '0.1', storage: { inmemory: {} } };
const remote = (prefix: string, fields: Record<string, unknown> = {}) => ({
  prefix,
  remoteurl: 'https://registry-1.docker.io',
  ...fields,
});
const refusal = (raw: Record<string, unknown>) => {
  try {
    fromObject(raw);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('loaded');
};

describe('proxy configuration', () => {
  it("reads distribution's keys, ttl included (168h by default, 0 for ever)", () => {
    const proxy = fromObject({ ...base, proxy: { remoteurl: 'https://registry-1.docker.io', ttl: '2h' } }).proxy!;
    expect(proxy).toMatchObject({ remoteurl: 'https://registry-1.docker.io', ttl: 7_200_000, tagttl: 0 });
    expect(fromObject({ ...base, proxy: { remoteurl: 'http://u:5000' } }).proxy!.ttl).toBe(168 * 3_600_000);
    expect(fromObject({ ...base, proxy: { remoteurl: 'http://u:5000', ttl: 0 } }).proxy!.ttl).toBe(0);
  });

  it('reads remotes with their own credentials, ttl and tagttl', () => {
    const proxy = fromObject({
      ...base,
      proxy: { remotes: [remote('hub', { username: 'u', password: 'p', ttl: '1h', tagttl: '5m' }), remote('ghcr')] },
    }).proxy!;
    expect(proxy.remotes[0]).toMatchObject({ prefix: 'hub', username: 'u', ttl: 3_600_000, tagttl: 300_000 });
    expect(proxy.remotes[1]).toMatchObject({ prefix: 'ghcr', ttl: 168 * 3_600_000, tagttl: 0 });
  });

  it('refuses a bad URL, naming the key', () => {
    expect(refusal({ ...base, proxy: { remoteurl: 'registry-1.docker.io' } })).toMatch(/^proxy\.remoteurl: /);
    expect(refusal({ ...base, proxy: { remotes: [remote('hub', { remoteurl: 'ftp://x' })] } })).toMatch(
      /^proxy\.remotes\[0\]\.remoteurl: /,
    );
  });

  it('refuses overlapping prefixes, a prefix that is no repository path, and remotes beside remoteurl', () => {
    expect(refusal({ ...base, proxy: { remotes: [remote('hub'), remote('hub/library')] } })).toBe(
      'proxy.remotes[1].prefix: "hub/library" overlaps proxy.remotes[0].prefix "hub"',
    );
    expect(refusal({ ...base, proxy: { remotes: [remote('hub'), remote('hub')] } })).toContain('overlaps');
    expect(refusal({ ...base, proxy: { remotes: [remote('Hub/')] } })).toMatch(/^proxy\.remotes\[0\]\.prefix: /);
    expect(refusal({ ...base, proxy: { remoteurl: 'http://u', remotes: [remote('hub')] } })).toMatch(
      /^proxy\.remotes: cannot be combined/,
    );
    expect(refusal({ ...base, proxy: { remotes: [remote('hub', { tagtll: '1m' })] } })).toContain(
      'proxy.remotes[0].tagtll: unknown key (did you mean tagttl?)',
    );
  });

  it('takes REGISTRY_PROXY_* overrides', () => {
    const env = { REGISTRY_PROXY_REMOTEURL: 'http://127.0.0.1:5001', REGISTRY_PROXY_TTL: '10m' };
    const config = loadConfig({ argv: [], env });
    expect(config.proxy).toMatchObject({ remoteurl: 'http://127.0.0.1:5001', ttl: 600_000 });
  });
});
