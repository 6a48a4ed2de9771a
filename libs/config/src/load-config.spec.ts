import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, fromObject, loadConfig } from './load-config.js';

function file(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'config-'));
  writeFileSync(join(dir, 'config.yml'), text);
  return join(dir, 'config.yml');
}

describe('loadConfig', () => {
  it('serves out of the box without a file', () => {
    const config = loadConfig({ argv: [], env: {} });
    expect(config.storage.driver).toBe('filesystem');
    expect(config.storage.filesystem?.rootdirectory).toBe('./data');
    expect(config.http.addr).toBe('127.0.0.1:5000');
    expect(config.storage.delete.enabled).toBe(false);
  });

  it("reads distribution's reference config, durations in milliseconds", () => {
    const path = file(`version: 0.1
log:
  fields: {service: registry}
storage:
  filesystem: {rootdirectory: /tmp/x}
  delete: {enabled: true}
http:
  addr: :5000
  headers: {X-Content-Type-Options: [nosniff]}
notifications:
  endpoints:
    - name: listener
      url: http://127.0.0.1:9999/events
      headers: {Authorization: [Bearer abc]}
      timeout: 500ms
      threshold: 3
      backoff: 2s
      ignoredmediatypes: [application/octet-stream]
      ignore: {actions: [pull]}
`);
    const config = loadConfig({ argv: [path], env: {} });
    const [endpoint] = config.notifications.endpoints;
    expect(endpoint.timeout).toBe(500);
    expect(endpoint.backoff).toBe(2000);
    expect(endpoint.threshold).toBe(3);
    expect(endpoint.headers).toEqual({ Authorization: ['Bearer abc'] });
    expect(endpoint.ignore.actions).toEqual(['pull']);
    expect(endpoint.concurrency).toBe(4);
    expect(config.storage.delete.enabled).toBe(true);
    expect(config.source).toBe(path);
  });

  it('takes the parameterless inmemory driver, from the file or REGISTRY_STORAGE', () => {
    expect(fromObject({ version: '0.1', storage: { inmemory: {} } }).storage.driver).toBe('inmemory');
    expect(fromObject({ version: '0.1', storage: { inmemory: null } }).storage.driver).toBe('inmemory');
    expect(loadConfig({ argv: [], env: { REGISTRY_STORAGE: 'inmemory' } }).storage.driver).toBe('inmemory');
  });

  it("reads distribution's mail hook with our defaults (subject prefix, window, cap)", () => {
    const config = fromObject({
      version: '0.1',
      storage: { inmemory: {} },
      log: {
        hooks: [
          {
            type: 'mail',
            options: {
              smtp: { addr: 'mail.example.com:587', username: 'u', password: 12345 },
              from: 'r@example.com',
              to: 'ops@example.com',
            },
          },
        ],
      },
    });
    const [hook] = config.log.hooks;
    expect(hook.levels).toEqual(['panic', 'error']);
    expect(hook.options.smtp).toMatchObject({ password: '12345', insecure: false });
    expect(hook.options.to).toEqual(['ops@example.com']);
    expect(hook.options).toMatchObject({
      subjectprefix: '[registry]',
      window: 60_000,
      maxperwindow: 20,
      timeout: 10_000,
      maxbackoff: 300_000,
    });
  });

  it('lets REGISTRY_* variables override any key', () => {
    const path = file('version: 0.1\nstorage:\n  filesystem: {rootdirectory: /a}\n');
    const config = loadConfig({
      argv: [],
      env: {
        REGISTRY_CONFIGURATION_PATH: path,
        REGISTRY_HTTP_ADDR: '127.0.0.1:5077',
        REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY: '/srv/registry',
        REGISTRY_STORAGE_DELETE_ENABLED: 'true',
      },
    });
    expect(config.http.addr).toBe('127.0.0.1:5077');
    expect(config.storage.filesystem?.rootdirectory).toBe('/srv/registry');
    expect(config.storage.delete.enabled).toBe(true);
  });

  it('takes log.fields and the cache from the environment, the cache also under its old name', () => {
    const config = loadConfig({
      argv: [],
      env: {
        REGISTRY_LOG_FIELDS_DATACENTER: 'eu-1',
        REGISTRY_LOG_FIELDS_SERVICE: 'registry',
        REGISTRY_STORAGE_CACHE_LAYERINFO: 'inmemory',
      },
    });
    expect(config.log.fields).toEqual({ datacenter: 'eu-1', service: 'registry' });
    expect(config.storage.cache.layerinfo).toBe('inmemory');
    expect(() =>
      fromObject({ version: '0.1', storage: { inmemory: {}, cache: { blobdescriptor: 'memcached' } } }),
    ).toThrow('storage.cache.blobdescriptor');
  });

  it.each([
    [{ version: '0.1', storage: { gcs: {} } }, 'storage.gcs: unknown storage driver'],
    [{ version: '0.1' }, 'storage: required'],
    [{ storage: { inmemory: {} } }, 'version: required'],
    [{ version: '0.1', storage: { inmemory: {} }, http: { addr: [5] } }, 'http.addr: must be a string'],
    [
      { version: '0.1', storage: { inmemory: {} }, http: { net: 'udp' } },
      'http.net: must be one of the following values: tcp, unix',
    ],
    [
      {
        version: '0.1',
        storage: { inmemory: {} },
        notifications: { endpoints: [{ name: 'a', url: 'x', timeout: 'soon' }] },
      },
      'notifications.endpoints[0].timeout: must be a duration',
    ],
    [
      { version: '0.1', storage: { inmemory: {} }, auth: { htpasswd: { realm: 'r', path: 'p' }, silly: {} } },
      'auth: more than one scheme',
    ],
  ])('refuses %j naming the key', (raw, message) => {
    expect(() => fromObject(raw as Record<string, unknown>)).toThrow(ConfigError);
    expect(() => fromObject(raw as Record<string, unknown>)).toThrow(message);
  });
});
