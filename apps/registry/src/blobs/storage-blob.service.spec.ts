import { describe, expect, it } from 'vitest';
import { fromObject } from '@app/config';
import { InMemoryDriver } from '@app/storage';
import { createLogger } from '@app/logging';
import { CachedBlobStatter, CacheCounters, NoBlobDescriptorCache } from '../cache/index.js';
import { BlobStore, LinkStore, Paths } from '../storage/index.js';
import { StorageBlobService } from './storage-blob.service.js';

const ctx = { id: 'r', addr: '127.0.0.1:1', host: 'h', method: 'POST', useragent: 'test', baseUrl: 'http://h' };

async function service(auth?: Record<string, unknown>): Promise<{ blobs: StorageBlobService; digest: string }> {
  const driver = new InMemoryDriver();
  const store = new BlobStore(driver);
  const links = new LinkStore(driver);
  const { digest } = await store.put(Buffer.from('layer'));
  await links.write(Paths.layerLink('owner/private', digest), digest);
  const config = fromObject({ version: '0.1', storage: { inmemory: {} }, ...(auth ? { auth } : {}) });
  const logger = createLogger({ config: config.log, destination: { write: () => undefined } });
  const statter = new CachedBlobStatter(new NoBlobDescriptorCache(), new CacheCounters(), logger);
  return { blobs: new StorageBlobService(store, links, statter, config), digest };
}

describe('StorageBlobService.mount without from', () => {
  it('mounts any blob the registry holds when access control cannot be bypassed by it', async () => {
    const { blobs, digest } = await service();
    await expect(blobs.mount(ctx, 'mine/app', digest)).resolves.toMatchObject({ digest, size: 5 });
  });

  it('does not under auth.token, whose per-repository scopes it could not check', async () => {
    const { blobs, digest } = await service({
      token: { realm: 'https://auth/token', service: 'registry', issuer: 'issuer', rootcertbundle: '/nonexistent.pem' },
    });
    await expect(blobs.mount(ctx, 'mine/app', digest)).resolves.toBeUndefined();
    await expect(blobs.mount(ctx, 'mine/app', digest, 'owner/private')).resolves.toMatchObject({ digest });
  });
});
