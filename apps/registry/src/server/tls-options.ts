import { readFileSync } from 'node:fs';
import type { SecureVersion } from 'node:tls';
import type { ServerOptions } from 'node:https';
import { ConfigError, type TlsConfig } from '@app/config';

const VERSIONS: Record<string, SecureVersion> = {
  'tls1.0': 'TLSv1',
  'tls1.1': 'TLSv1.1',
  'tls1.2': 'TLSv1.2',
  'tls1.3': 'TLSv1.3',
};

/**
 * https.Server options from `http.tls`: certificate and key (PEM), `minimumtls`, and with `clientcas`
 * mutual TLS (a client certificate signed by one of those CAs is required, as distribution's
 * RequireAndVerifyClientCert). Reads the files now; an unreadable one is a ConfigError naming its key.
 */
export function tlsOptions(tls: TlsConfig): ServerOptions {
  const options: ServerOptions = {
    cert: read('http.tls.certificate', tls.certificate),
    key: read('http.tls.key', tls.key),
    minVersion: VERSIONS[tls.minimumtls] ?? 'TLSv1.2',
  };
  const clientcas = tls.clientcas ?? [];
  if (clientcas.length > 0) {
    options.ca = clientcas.map((path) => read('http.tls.clientcas', path));
    options.requestCert = true;
    options.rejectUnauthorized = true;
  }
  return options;
}

function read(key: string, path: string): Buffer {
  let content: Buffer;
  try {
    content = readFileSync(path);
  } catch (error) {
    throw new ConfigError(`${key}: cannot read ${path}: ${(error as Error).message}`);
  }
  if (!content.includes('-----BEGIN')) throw new ConfigError(`${key}: ${path} is not a PEM file`);
  return content;
}
