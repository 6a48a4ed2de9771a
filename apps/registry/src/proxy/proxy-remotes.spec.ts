import { describe, expect, it } from 'vitest';
import { fromObject } from '@app/config';
import { ProxyRemotes } from './proxy-remotes.js';

const load = (proxy: Record<string, unknown>) =>
  ProxyRemotes.fromConfig(fromObject({ version: '0.1', storage: { inmemory: {} }, proxy }).proxy);

describe('ProxyRemotes', () => {
  it('maps a prefixed repository to its remote and its name there; others stay local', () => {
    const remotes = load({
      remotes: [
        { prefix: 'hub', remoteurl: 'https://registry-1.docker.io/', tagttl: '1m' },
        { prefix: 'mirrors/ghcr', remoteurl: 'https://ghcr.io' },
      ],
    });
    expect(remotes.resolve('hub/library/alpine')).toMatchObject({
      repository: 'hub/library/alpine',
      upstream: 'library/alpine',
      remote: { url: 'https://registry-1.docker.io', tagttl: 60_000, key: 'proxy.remotes[0]' },
    });
    expect(remotes.resolve('mirrors/ghcr/owner/app')?.upstream).toBe('owner/app');
    expect(remotes.resolve('hub/alpine')?.upstream).toBe('library/alpine');
    expect(remotes.resolve('mirrors/ghcr/app')?.upstream).toBe('app');
    expect(remotes.resolve('hubble/app')).toBeUndefined();
    expect(remotes.resolve('hub')).toBeUndefined();
    expect(remotes.resolve('local/app')).toBeUndefined();
  });

  it('makes every repository a cache with proxy.remoteurl', () => {
    const remotes = load({ remoteurl: 'http://127.0.0.1:5001', username: 'u', password: 'p', ttl: '0' });
    expect(remotes.resolve('library/alpine')).toMatchObject({
      upstream: 'library/alpine',
      remote: { prefix: '', username: 'u', ttl: 0 },
    });
  });

  it('is off without proxy', () => {
    expect(ProxyRemotes.fromConfig(undefined).enabled).toBe(false);
  });
});
