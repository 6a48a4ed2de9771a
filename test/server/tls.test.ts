import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type SecureVersion } from 'node:tls';
import { Agent, fetch as undiciFetch } from 'undici';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, waitFor } from '@app/testing';
import { OciLayout, run, startRegistry, type RegistryProcess } from '../support/index.js';
import { makeCa, makeLeaf, pem, type CertFiles } from './pki.js';

/** GET /v2/ over TLS trusting `ca`, optionally presenting a client certificate. */
async function getBase(registry: RegistryProcess, ca: CertFiles, client?: CertFiles): Promise<Response> {
  const dispatcher = new Agent({
    connect: { ca: pem(ca.cert), ...(client ? { cert: pem(client.cert), key: pem(client.key) } : {}) },
  });
  try {
    return (await undiciFetch(`https://${registry.addr}/v2/`, { dispatcher })) as unknown as Response;
  } finally {
    await dispatcher.close();
  }
}

/** Whether a TLS handshake succeeds with at most `maxVersion`. */
function handshake(addr: string, ca: CertFiles, maxVersion: SecureVersion): Promise<string> {
  const [host, port] = addr.split(':');
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port: Number(port), ca: pem(ca.cert), maxVersion, servername: 'localhost' }, () => {
      const version = socket.getProtocol() ?? '';
      socket.destroy();
      resolve(version);
    });
    socket.once('error', reject);
  });
}

const readyOverTls = (ca: CertFiles, client?: CertFiles) => (app: RegistryProcess) =>
  waitFor(() => getBase(app, ca, client).then((response) => response.status > 0), {
    timeout: 20_000,
    what: 'TLS listener',
  });

describe('http.tls', () => {
  const dir = tempDir();
  let ca: CertFiles;
  let server: CertFiles;
  let client: CertFiles;

  beforeAll(() => {
    ca = makeCa(dir.path);
    server = makeLeaf(dir.path, ca, 'server');
    client = makeLeaf(dir.path, ca, 'client', { client: true });
  });
  afterAll(() => dir.remove());

  it('serves HTTPS with the configured certificate, headers on every response, and never plain HTTP', async () => {
    const registry = await startRegistry({
      config: {
        http: {
          tls: { certificate: server.cert, key: server.key },
          headers: { 'X-Content-Type-Options': ['nosniff'], 'X-Multi': ['a', 'b'] },
        },
      },
      ready: (app) => readyOverTls(ca)(app as RegistryProcess),
    });
    try {
      const response = await getBase(registry, ca);
      expect(response.status).toBe(200);
      expect(response.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-multi')).toBe('a, b');
      await expect(fetch(`http://${registry.addr}/v2/`)).rejects.toThrow();
      expect(await handshake(registry.addr, ca, 'TLSv1.3')).toBe('TLSv1.3');
      expect(await handshake(registry.addr, ca, 'TLSv1.2')).toBe('TLSv1.2');
    } finally {
      await registry.dispose();
    }
  });

  it('refuses connections below http.tls.minimumtls', async () => {
    const registry = await startRegistry({
      config: { http: { tls: { certificate: server.cert, key: server.key, minimumtls: 'tls1.3' } } },
      ready: (app) => readyOverTls(ca)(app as RegistryProcess),
    });
    try {
      await expect(handshake(registry.addr, ca, 'TLSv1.2')).rejects.toThrow();
      expect(await handshake(registry.addr, ca, 'TLSv1.3')).toBe('TLSv1.3');
    } finally {
      await registry.dispose();
    }
  });

  it('with clientcas, requires a client certificate signed by one of them (mTLS)', async () => {
    const stranger = makeLeaf(dir.path, makeCa(dir.path, 'stranger-ca'), 'stranger', { client: true });
    const registry = await startRegistry({
      config: { http: { tls: { certificate: server.cert, key: server.key, clientcas: [ca.cert] } } },
      ready: (app) => readyOverTls(ca, client)(app as RegistryProcess),
    });
    try {
      expect((await getBase(registry, ca, client)).status).toBe(200);
      await expect(getBase(registry, ca)).rejects.toThrow();
      await expect(getBase(registry, ca, stranger)).rejects.toThrow();
    } finally {
      await registry.dispose();
    }
  });

  it(
    'takes a push and pull from skopeo verifying the certificate against the CA, with a client certificate (mTLS)',
    { timeout: 120_000 },
    async () => {
      const certDir = join(dir.path, 'certs.d');
      mkdirSync(certDir);
      copyFileSync(ca.cert, join(certDir, 'ca.crt'));
      copyFileSync(client.cert, join(certDir, 'client.cert'));
      copyFileSync(client.key, join(certDir, 'client.key'));
      const layout = new OciLayout(join(dir.path, 'layout'));
      const image = await layout.addImage({ layerSizes: [2048, 8192], label: 'tls' });
      layout.tag(image.manifest, 'v1');
      const registry = await startRegistry({
        config: { http: { tls: { certificate: server.cert, key: server.key, clientcas: [ca.cert] } } },
        ready: (app) => readyOverTls(ca, client)(app as RegistryProcess),
      });
      try {
        const reference = `docker://${registry.addr}/tls/app:v1`;
        await run('skopeo', [
          'copy',
          '--quiet',
          '--dest-cert-dir',
          certDir,
          '--dest-tls-verify=true',
          `oci:${layout.dir}:v1`,
          reference,
        ]);
        const raw = await run('skopeo', ['inspect', '--raw', '--cert-dir', certDir, '--tls-verify=true', reference]);
        expect(JSON.parse(raw.stdout)).toMatchObject({ config: { digest: image.config.digest } });
        const untrusted = join(dir.path, 'no-ca');
        mkdirSync(untrusted);
        await expect(
          run('skopeo', ['inspect', '--raw', '--cert-dir', untrusted, '--tls-verify=true', reference]),
        ).rejects.toThrow(/certificate|x509|tls/i);
      } finally {
        await registry.dispose();
      }
    },
  );
});
