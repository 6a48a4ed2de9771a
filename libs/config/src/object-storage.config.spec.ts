import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromObject, loadConfig } from './load-config.js';

const MiB = 1024 * 1024;
const s3 = { region: 'us-east-1', bucket: 'registry', regionendpoint: 'http://127.0.0.1:7480' };

describe('storage.s3 and storage.rados', () => {
  it("takes distribution's s3 keys with its defaults, sizes as numbers or strings", () => {
    const config = fromObject({ version: '0.1', storage: { s3: { ...s3, chunksize: '6291456', v4auth: true } } });
    expect(config.storage.driver).toBe('s3');
    expect(config.storage.s3).toMatchObject({
      chunksize: 6 * MiB,
      multipartcopychunksize: 32 * MiB,
      multipartcopymaxconcurrency: 100,
      multipartcopythresholdsize: 32 * MiB,
      secure: true,
      encrypt: false,
      storageclass: 'STANDARD',
      rootdirectory: '',
    });
    expect(config.storage.redirect.disable).toBe(false);
  });

  it('stops on a chunksize under 5 MiB, v4auth false, a missing bucket or an unknown key, naming the key', () => {
    const load = (section: Record<string, unknown>) => () => fromObject({ version: '0.1', storage: { s3: section } });
    expect(load({ ...s3, chunksize: MiB })).toThrow(
      /storage\.s3\.chunksize: must be a whole number of bytes from 5242880/,
    );
    expect(load({ ...s3, v4auth: false })).toThrow(/storage\.s3\.v4auth: must be true/);
    expect(load({ region: 'us-east-1' })).toThrow(/storage\.s3\.bucket/);
    expect(load({ ...s3, regionendpont: 'x' })).toThrow(
      /storage\.s3\.regionendpont: unknown key \(did you mean regionendpoint\?\)/,
    );
  });

  it('REGISTRY_STORAGE_S3_* variables override the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'config-'));
    writeFileSync(join(dir, 'config.yml'), 'version: 0.1\nstorage:\n  s3: {region: us-east-1, bucket: a}\n');
    const env = { REGISTRY_STORAGE_S3_BUCKET: 'b', REGISTRY_STORAGE_S3_SECRETKEY: '12345' };
    const config = loadConfig({ argv: [join(dir, 'config.yml')], env });
    expect(config.storage.s3).toMatchObject({ bucket: 'b', secretkey: '12345' });
  });

  it('rados: poolname required, conffile and chunksize defaulted', () => {
    const config = fromObject({ version: '0.1', storage: { rados: { poolname: 'registry' } } });
    expect(config.storage.rados).toMatchObject({
      poolname: 'registry',
      conffile: '/etc/ceph/ceph.conf',
      chunksize: 4 * MiB,
    });
    expect(() => fromObject({ version: '0.1', storage: { rados: {} } })).toThrow(/storage\.rados\.poolname/);
  });
});
