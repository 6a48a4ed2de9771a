import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromObject, loadConfig } from './load-config.js';
import { base, refusal, withEndpoint } from './config-spec-support.js';

function file(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'config-'));
  writeFileSync(join(dir, 'config.yml'), text);
  return join(dir, 'config.yml');
}

describe('unknown keys', () => {
  it.each([
    [{ ...base, notifcations: {} }, 'notifcations: unknown key (did you mean notifications?)'],
    [{ ...base, Notifications: {} }, 'Notifications: unknown key (did you mean notifications?)'],
    [withEndpoint({ timout: '1s' }), 'notifications.endpoints[0].timout: unknown key (did you mean timeout?)'],
    [withEndpoint({ batch: { szie: 3 } }), 'notifications.endpoints[0].batch.szie: unknown key (did you mean size?)'],
    [
      { ...base, http: { tls: { certficate: 'c', key: 'k' } } },
      'http.tls.certficate: unknown key (did you mean certificate?); http.tls.certificate: must be a string',
    ],
    [
      { ...base, storage: { inmemory: {}, maintenance: { uploadpurging: { intervall: '1h' } } } },
      'storage.maintenance.uploadpurging.intervall: unknown key (did you mean interval?)',
    ],
    [
      {
        ...base,
        log: { hooks: [{ type: 'mail', options: { smtp: { addr: 'm:25', passwrod: 'p' }, from: 'a@b', to: 'c@d' } }] },
      },
      'log.hooks[0].options.smtp.passwrod: unknown key (did you mean password?)',
    ],
    [
      { ...base, auth: { token: { realm: 'r', service: 's', issuer: 'i', isuer: 'i' } } },
      'auth.token.isuer: unknown key (did you mean issuer?)',
    ],
    [{ ...base, storage: { inmemory: { size: 1 } } }, 'storage.inmemory.size: unknown key'],
  ])('refuses %j naming the key and the nearest known one', (raw, message) => {
    expect(refusal(raw)).toBe(message);
  });

  it('lists the known keys when none is near', () => {
    expect(refusal({ ...base, redis: { zzz: 1 } })).toBe(
      'redis.zzz: unknown key (known keys: addr, username, password, db, dialtimeout, readtimeout, writetimeout, ' +
        'pool, tls, sentinels, mastername, minreplicas, prefix)',
    );
  });

  it('reports every problem at once, unknown keys beside wrong types', () => {
    expect(refusal({ ...withEndpoint({ timout: '1s', concurrency: 0 }), htpp: {} })).toBe(
      [
        'htpp: unknown key (did you mean http?)',
        'notifications.endpoints[0].timout: unknown key (did you mean timeout?)',
        'notifications.endpoints[0].concurrency: must not be less than 1',
      ].join('; '),
    );
  });

  it('tells a misspelt storage driver or auth scheme', () => {
    expect(refusal({ ...base, storage: { filesytem: {} } })).toBe(
      'storage.filesytem: unknown storage driver (did you mean filesystem?) (supported: filesystem, inmemory, s3, rados)',
    );
    expect(refusal({ ...base, storage: { inmemory: {}, delet: { enabled: true } } })).toMatch(
      /^storage.delet: unknown storage driver \(did you mean delete\?\)/,
    );
    expect(refusal({ ...base, auth: { htpaswd: { realm: 'r', path: 'p' } } })).toMatch(
      /^auth.htpaswd: unknown auth scheme \(did you mean htpasswd\?\)/,
    );
  });

  it('takes any key inside free-form maps (headers, log fields)', () => {
    const config = fromObject({
      ...withEndpoint({ headers: { 'X-Anything': 'a', authorization: ['b'] } }),
      log: { fields: { anything: 'goes', nested: { too: 1 } } },
      http: { headers: { 'Strict-Transport-Security': ['max-age=63072000'] } },
    });
    expect(config.notifications.endpoints[0].headers).toEqual({ 'X-Anything': ['a'], authorization: ['b'] });
    expect(config.log.fields).toEqual({ anything: 'goes', nested: { too: 1 } });
  });

  it("loads distribution's keys that we accept and do not act on", () => {
    const path = file(`version: 0.1
loglevel: info
log: {level: info, reportcaller: false}
storage:
  filesystem: {rootdirectory: /tmp/x, maxthreads: 100}
  cache: {blobdescriptor: inmemory, blobdescriptorsize: 10000}
  redirect: {disable: true}
http:
  addr: :5000
  tls:
    certificate: /c.pem
    key: /k.pem
    ciphersuites: [TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384]
    letsencrypt: {cachefile: /cache, email: a@example.com, hosts: [example.com]}
  http2: {disabled: true}
middleware:
  storage:
    - name: cloudfront
      options: {baseurl: https://example.com/, privatekey: /pk.pem, keypairid: id}
reporting:
  bugsnag: {apikey: key}
  newrelic: {licensekey: key, name: registry, verbose: true}
health:
  storagedriver: {enabled: true, interval: 10s, threshold: 3}
  http:
    - {uri: http://example.com/, headers: {Authorization: [Basic x]}, statuscode: 200, timeout: 3s}
proxy: {remoteurl: https://registry-1.docker.io, ttl: 168h}
catalog: {maxentries: 1000}
compatibility:
  schema1: {signingkeyfile: /key.json, enabled: true}
validation:
  manifests:
    urls: {allow: ['^https?://example\\.com/'], deny: []}
policy:
  repository: {classes: [image]}
`);
    const config = loadConfig({ argv: [path], env: {} });
    expect(config.storage.filesystem?.rootdirectory).toBe('/tmp/x');
    expect(config.proxy?.remoteurl).toBe('https://registry-1.docker.io');
  });

  it('ignores REGISTRY_* variables that name no key, as distribution does, and still checks those that do', () => {
    const env = { REGISTRY_GIT_COMMIT: 'abc123', REGISTRY_PORT: 'tcp://10.0.0.7:5000', REGISTRY_HTTP_ADR: ':5001' };
    expect(loadConfig({ argv: [], env }).http.addr).toBe('127.0.0.1:5000');
    expect(() => loadConfig({ argv: [], env: { ...env, REGISTRY_HTTP_NET: 'udp' } })).toThrow(
      'http.net: must be one of',
    );
  });

  it("does not let a variable hide the file's own unknown key", () => {
    const path = file('version: 0.1\nstorage: {inmemory: {}}\nredis: {adr: 127.0.0.1:6379}\n');
    const load = () => loadConfig({ argv: [path], env: { REGISTRY_REDIS_ADR: '127.0.0.1:6380' } });
    expect(load).toThrow('redis.adr: unknown key (did you mean addr?)');
  });
});
