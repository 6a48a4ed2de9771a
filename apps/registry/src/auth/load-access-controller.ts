import { ConfigError, type AuthConfig } from '@app/config';
import type { AccessController } from './access-controller.js';
import { HtpasswdAccessController } from './htpasswd.access-controller.js';
import { SillyAccessController } from './silly.access-controller.js';
import { TokenAccessController } from './token.access-controller.js';
import { HtpasswdFile } from './htpasswd.js';
import { readCertificates, readJwks, TrustedKeys } from './token-keys.js';

/**
 * The configured access controller, or undefined when `auth` is absent (an open registry, as
 * distribution). Reads every file now: a missing htpasswd file, an unreadable or empty certificate
 * bundle or JWKS, or an unknown scheme throws a ConfigError naming the key, so the registry never comes
 * up open because its auth failed to load.
 */
export function loadAccessController(auth: AuthConfig | undefined): AccessController | undefined {
  if (!auth) return undefined;
  const schemes = Object.entries(auth).filter(([, section]) => section !== undefined && section !== null);
  if (schemes.length === 0) return undefined;
  if (schemes.length > 1)
    throw new ConfigError(`auth: more than one scheme configured (${schemes.map(([name]) => name).join(', ')})`);
  const [name] = schemes[0];
  if (auth.htpasswd) return htpasswd(auth);
  if (auth.token) return token(auth);
  if (auth.silly) return new SillyAccessController(auth.silly);
  throw new ConfigError(`auth.${name}: unknown auth scheme (supported: htpasswd, token, silly)`);
}

function htpasswd(auth: AuthConfig): AccessController {
  const config = auth.htpasswd!;
  let file: HtpasswdFile;
  try {
    file = new HtpasswdFile(config.path);
  } catch (error) {
    throw new ConfigError(`auth.htpasswd.path: cannot read ${config.path}: ${(error as Error).message}`);
  }
  return new HtpasswdAccessController(config, file);
}

function token(auth: AuthConfig): AccessController {
  const config = auth.token!;
  if (!config.rootcertbundle && !config.jwks) {
    throw new ConfigError(
      'auth.token.rootcertbundle: required (PEM certificates of the token signing keys), or auth.token.jwks',
    );
  }
  const roots = config.rootcertbundle
    ? attempt('auth.token.rootcertbundle', config.rootcertbundle, readCertificates)
    : [];
  const jwks = config.jwks ? attempt('auth.token.jwks', config.jwks, readJwks) : undefined;
  return new TokenAccessController(config, new TrustedKeys(roots, jwks));
}

function attempt<T>(key: string, path: string, read: (path: string) => T): T {
  try {
    return read(path);
  } catch (error) {
    throw new ConfigError(`${key}: cannot load ${path}: ${(error as Error).message}`);
  }
}
