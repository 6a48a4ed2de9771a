import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort, tempDir } from '@app/testing';
import { assertBuilt, mainPath, PROJECT_ROOT } from '../support/index.js';

/** Runs the built registry with `config` until it exits (or 15 s); returns the exit code and output. */
function runRegistry(config: Record<string, unknown>, dir: string): Promise<{ code: number | null; output: string }> {
  const path = join(dir, `config-${Math.random().toString(36).slice(2)}.yml`);
  writeFileSync(path, stringify(config));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [mainPath('registry'), path], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** True when something accepts connections on the port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(true));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });
}

describe('the registry refuses to start on a bad auth, TLS or listener configuration', () => {
  const dir = tempDir();
  let port: number;
  const base = () => ({
    version: '0.1',
    log: { level: 'info' },
    storage: { filesystem: { rootdirectory: join(dir.path, 'root') } },
    http: { addr: `127.0.0.1:${port}` },
  });

  beforeAll(async () => {
    assertBuilt('registry');
    port = await freePort();
    writeFileSync(join(dir.path, 'garbage.pem'), 'not a certificate\n');
    writeFileSync(join(dir.path, 'regular-file'), '');
  });
  afterAll(() => dir.remove());

  const cases: [string, () => Record<string, unknown>, RegExp][] = [
    [
      'a missing htpasswd file',
      () => ({ auth: { htpasswd: { realm: 'r', path: join(dir.path, 'missing.htpasswd') } } }),
      /auth\.htpasswd\.path: cannot read .*missing\.htpasswd/,
    ],
    ['htpasswd without a path', () => ({ auth: { htpasswd: { realm: 'r' } } }), /auth\.htpasswd\.path/],
    [
      'a missing token certificate bundle',
      () => ({
        auth: {
          token: { realm: 'http://a/token', service: 's', issuer: 'i', rootcertbundle: join(dir.path, 'missing.pem') },
        },
      }),
      /auth\.token\.rootcertbundle: cannot load/,
    ],
    [
      'a bundle that holds no certificate',
      () => ({
        auth: {
          token: { realm: 'http://a/token', service: 's', issuer: 'i', rootcertbundle: join(dir.path, 'garbage.pem') },
        },
      }),
      /auth\.token\.rootcertbundle: .*no PEM certificate/,
    ],
    [
      'token auth with no key at all',
      () => ({ auth: { token: { realm: 'http://a/token', service: 's', issuer: 'i' } } }),
      /auth\.token\.rootcertbundle: required/,
    ],
    [
      'an unreadable jwks file',
      () => ({
        auth: { token: { realm: 'http://a/token', service: 's', issuer: 'i', jwks: join(dir.path, 'garbage.pem') } },
      }),
      /auth\.token\.jwks: cannot load/,
    ],
    ['an unknown auth scheme', () => ({ auth: { ldap: { server: 'x' } } }), /auth\.ldap: unknown auth scheme/],
    [
      'two auth schemes',
      () => ({ auth: { silly: { realm: 'r', service: 's' }, htpasswd: { realm: 'r', path: '/x' } } }),
      /auth: more than one scheme/,
    ],
    [
      'a missing TLS certificate',
      () => ({ http: { tls: { certificate: join(dir.path, 'missing.crt'), key: join(dir.path, 'missing.key') } } }),
      /http\.tls\.certificate: cannot read/,
    ],
    [
      'a unix socket path that is a regular file',
      () => ({ http: { net: 'unix', addr: join(dir.path, 'regular-file') } }),
      /http\.addr: .* is not a socket/,
    ],
    [
      'a redis cache without redis.addr',
      () => ({
        storage: { filesystem: { rootdirectory: join(dir.path, 'root') }, cache: { blobdescriptor: 'redis' } },
      }),
      /storage\.cache\.blobdescriptor: redis needs redis\.addr/,
    ],
  ];

  it.each(cases)('%s: exit 1 with a message naming the key, never listening', async (_name, override, message) => {
    const config = { ...base(), ...override() };
    if (override().http) config.http = { addr: `127.0.0.1:${port}`, ...(override().http as object) };
    const { code, output } = await runRegistry(config, dir.path);
    expect(output).toMatch(message);
    expect(code).toBe(1);
    expect(output).not.toMatch(/msg="?listening/);
    expect(await listening(port)).toBe(false);
  });
});
