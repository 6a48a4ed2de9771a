import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { tempDir, waitFor } from '@app/testing';
import { startRegistry } from '../support/index.js';

/** GET over a unix socket; resolves with status, headers and body. */
function getOverSocket(
  socketPath: string,
  path: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: 'GET', headers: { host: 'registry.local' } }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('http.net: unix', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('removes a stale socket, listens on the path with socketmode, and answers over it (curl too)', async () => {
    const socketPath = join(dir.path, 'registry.sock');
    // A stale socket: bound by a process that died without removing it.
    execFileSync('python3', [
      '-c',
      `import socket; s = socket.socket(socket.AF_UNIX); s.bind(${JSON.stringify(socketPath)})`,
    ]);
    expect(lstatSync(socketPath).isSocket()).toBe(true);
    const registry = await startRegistry({
      config: { log: { level: 'info' }, http: { net: 'unix', addr: socketPath, socketmode: '0660' } },
      ready: () =>
        waitFor(() => getOverSocket(socketPath, '/v2/').then((response) => response.status === 200), {
          what: 'unix socket',
        }),
    });
    try {
      expect(lstatSync(socketPath).mode & 0o777).toBe(0o660);
      const response = await getOverSocket(socketPath, '/v2/');
      expect(response.headers['docker-distribution-api-version']).toBe('registry/2.0');
      const curl = execFileSync(
        'curl',
        ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--unix-socket', socketPath, 'http://localhost/v2/'],
        { encoding: 'utf8' },
      );
      expect(curl).toBe('200');
      await registry.waitForOutput(`unix:${socketPath}`);
    } finally {
      await registry.dispose();
    }
    expect(existsSync(socketPath)).toBe(false);
  });
});
