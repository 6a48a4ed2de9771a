import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Files of one certificate and its key (PEM). */
export interface CertFiles {
  cert: string;
  key: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A self-signed CA (EC P-256) made with the openssl CLI. */
export function makeCa(dir: string, name = 'ca'): CertFiles {
  const files = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', files.key], dir);
  openssl(
    [
      'req',
      '-x509',
      '-new',
      '-key',
      files.key,
      '-sha256',
      '-days',
      '2',
      '-subj',
      `/CN=${name} test CA`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
      '-out',
      files.cert,
    ],
    dir,
  );
  return files;
}

/**
 * A leaf signed by `ca`: a server certificate for localhost/127.0.0.1 by default, or a client certificate
 * (`client: true`). `key: 'rsa'` makes an RSA key (token signing with RS256).
 */
export function makeLeaf(
  dir: string,
  ca: CertFiles,
  name: string,
  options: { client?: boolean; rsa?: boolean } = {},
): CertFiles {
  const files = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  if (options.rsa)
    openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', files.key], dir);
  else openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', files.key], dir);
  openssl(['req', '-new', '-key', files.key, '-subj', `/CN=${name}`, '-out', csr], dir);
  writeFileSync(
    ext,
    options.client
      ? 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n'
      : 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n',
  );
  openssl(
    [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      ca.cert,
      '-CAkey',
      ca.key,
      '-CAcreateserial',
      '-days',
      '2',
      '-sha256',
      '-extfile',
      ext,
      '-out',
      files.cert,
    ],
    dir,
  );
  return files;
}

export function pem(path: string): string {
  return readFileSync(path, 'utf8');
}
