import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { tempDir, waitFor } from '@app/testing';
import { mainPath, PROJECT_ROOT, startRegistry, type RegistryProcess } from '../support/index.js';

function jsonLines(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('logging: json formatter, log.fields (file and environment), access log, version', () => {
  const dir = tempDir();
  let registry: RegistryProcess;
  const basic = `Basic ${Buffer.from('alice:wonderland').toString('base64')}`;

  beforeAll(async () => {
    const htpasswd = join(dir.path, 'htpasswd');
    execFileSync('htpasswd', ['-B', '-b', '-c', htpasswd, 'alice', 'wonderland'], { stdio: 'ignore' });
    registry = await startRegistry({
      config: {
        log: {
          level: 'info',
          formatter: 'json',
          fields: { service: 'registry', environment: 'test' },
          accesslog: { disabled: false },
        },
        auth: { htpasswd: { realm: 'test-realm', path: htpasswd } },
      },
      env: { REGISTRY_LOG_FIELDS_DATACENTER: 'dc-7' },
    });
  });
  afterAll(async () => {
    await registry?.dispose();
    dir.remove();
  });

  it('writes the start line with version, commit and every static field', async () => {
    await registry.waitForOutput('"msg":"listening"');
    const start = jsonLines(registry.output).find((line) => line.msg === 'listening')!;
    const pkg = (await import(join(PROJECT_ROOT, 'package.json'), { with: { type: 'json' } })) as {
      default: { version: string };
    };
    expect(start).toMatchObject({
      level: 'info',
      service: 'registry',
      environment: 'test',
      datacenter: 'dc-7',
      version: pkg.default.version,
    });
    expect(start.commit).toMatch(/^[0-9a-f]{7,}$/);
    expect(typeof start.instance).toBe('string');
    expect(typeof start.time).toBe('string');
  });

  it('writes one access line per request with request id, instance id and the authenticated user', async () => {
    const response = await fetch(`${registry.url}/v2/`, {
      headers: { authorization: basic, 'user-agent': 'logging-test/1' },
    });
    expect(response.status).toBe(200);
    const refused = await fetch(`${registry.url}/v2/`, {
      headers: { 'user-agent': 'logging-test/2', 'x-forwarded-for': '203.0.113.7, 10.0.0.1' },
    });
    expect(refused.status).toBe(401);
    await registry.waitForOutput('logging-test/2');
    const lines = jsonLines(registry.output).filter((line) => line.msg === 'response completed');
    const ok = lines.find((line) => line['http.request.useragent'] === 'logging-test/1')!;
    expect(ok).toMatchObject({
      'http.request.method': 'GET',
      'http.request.uri': '/v2/',
      'http.response.status': 200,
      'auth.user.name': 'alice',
      datacenter: 'dc-7',
      service: 'registry',
    });
    expect(ok['http.request.id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(ok.instance).toBe(jsonLines(registry.output).find((line) => line.msg === 'listening')!.instance);
    const no = lines.find((line) => line['http.request.useragent'] === 'logging-test/2')!;
    expect(no['http.response.status']).toBe(401);
    expect(no['http.request.remoteaddr']).toBe('203.0.113.7');
    expect(ok['http.request.remoteaddr']).toBe('127.0.0.1');
    expect(no['auth.user.name']).toBeUndefined();
    expect(no['http.request.id']).not.toBe(ok['http.request.id']);
  });

  it('never logs the credentials', () => {
    expect(registry.output).not.toContain('wonderland');
    expect(registry.output).not.toContain(basic.slice(6));
  });

  it('--version prints the package version and the git commit', () => {
    const out = execFileSync(process.execPath, [mainPath('registry'), '--version'], { cwd: '/', encoding: 'utf8' });
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
    }).trim();
    expect(out.trim()).toMatch(new RegExp(`^registry \\d+\\.\\d+\\.\\d+ \\(commit ${commit}\\)$`));
  });
});

describe('logging: log.accesslog.disabled and log.level', () => {
  it('writes no access line when disabled, and nothing below the level', async () => {
    const registry = await startRegistry({
      config: { log: { level: 'warn', formatter: 'json', accesslog: { disabled: true } } },
    });
    try {
      await fetch(`${registry.url}/v2/`, { headers: { 'user-agent': 'quiet-test' } });
      await waitFor(() => fetch(`${registry.url}/v2/`).then((r) => r.ok));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(registry.output).not.toContain('response completed');
      expect(
        jsonLines(registry.output).every(
          (line) => line.level === 'warn' || line.level === 'error' || line.level === 'fatal',
        ),
      ).toBe(true);
    } finally {
      await registry.dispose();
    }
  });

  it('writes logrus-style text lines with the text formatter', async () => {
    const registry = await startRegistry({
      config: {
        log: { level: 'info', formatter: 'text', fields: { service: 'registry' }, accesslog: { disabled: false } },
      },
    });
    try {
      await fetch(`${registry.url}/v2/`);
      await registry.waitForOutput('response completed');
      const line = registry.output.split('\n').find((text) => text.includes('msg="response completed"'))!;
      expect(line).toMatch(
        /^time=\S+ level=info msg="response completed" .*service=registry .*http\.request\.id=[0-9a-f-]{36} .*http\.response\.status=200/,
      );
    } finally {
      await registry.dispose();
    }
  });
});
