import { createHash, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  createLocalJWKSet,
  type CryptoKey as JoseKey,
  type JSONWebKeySet,
  type JWSHeaderParameters,
  type LocalJWKSet,
} from 'jose';

/**
 * The keys a token may be signed with (distribution's token.VerifyOptions): the public keys of the
 * `rootcertbundle` certificates, found by the token's `kid` (libtrust key id, as docker token servers
 * write it, or the RFC 7638 thumbprint), or a leaf certificate sent in `x5c` that chains to one of the
 * roots; and/or the keys of a `jwks` file, found by `kid`.
 */
export class TrustedKeys {
  private readonly byId = new Map<string, KeyObject>();

  constructor(
    private readonly roots: X509Certificate[],
    private readonly jwks?: LocalJWKSet,
  ) {
    for (const root of roots) {
      this.byId.set(libtrustKeyId(root.publicKey), root.publicKey);
      this.byId.set(thumbprint(root.publicKey), root.publicKey);
    }
  }

  /** Reads the files now; throws an Error naming the file when one is unreadable or holds no key. */
  static load(rootcertbundle?: string, jwksPath?: string): TrustedKeys {
    const roots = rootcertbundle ? readCertificates(rootcertbundle) : [];
    const jwks = jwksPath ? readJwks(jwksPath) : undefined;
    return new TrustedKeys(roots, jwks);
  }

  get count(): number {
    return this.roots.length + (this.jwks?.jwks().keys.length ?? 0);
  }

  /** The key to verify a token with this header, or an Error saying why none is trusted. */
  async keyFor(header: JWSHeaderParameters): Promise<KeyObject | JoseKey> {
    if (header.x5c && header.x5c.length > 0) return this.chainedKey(header.x5c);
    if (header.kid && this.byId.has(header.kid)) return this.byId.get(header.kid)!;
    if (this.jwks && header.kid) return this.jwks(header);
    if (!header.kid && this.roots.length === 1 && !this.jwks) return this.roots[0].publicKey;
    throw new Error(`token signed by an untrusted key${header.kid ? ` (kid ${header.kid})` : ''}`);
  }

  /** x5c: each certificate signed by the next; the last signed by (or equal to) a root; all in date. */
  private chainedKey(x5c: string[]): KeyObject {
    const chain = x5c.map((der) => new X509Certificate(Buffer.from(der, 'base64')));
    const now = Date.now();
    for (const [index, cert] of chain.entries()) {
      if (Date.parse(cert.validFrom) > now || Date.parse(cert.validTo) < now)
        throw new Error('x5c certificate out of its validity period');
      const next = chain[index + 1];
      if (next && !cert.verify(next.publicKey)) throw new Error('x5c chain is broken');
    }
    const last = chain[chain.length - 1];
    const anchored = this.roots.some(
      (root) => root.raw.equals(last.raw) || (last.checkIssued(root) && last.verify(root.publicKey)),
    );
    if (!anchored) throw new Error('x5c chain does not lead to a trusted root certificate');
    return chain[0].publicKey;
  }
}

/** The certificates of a PEM bundle; throws when unreadable or when it holds none. */
export function readCertificates(path: string): X509Certificate[] {
  const text = readFileSync(path, 'utf8');
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new Error(`${path} holds no PEM certificate`);
  return blocks.map((block) => new X509Certificate(block));
}

/** A key resolver over a JWKS file; throws when unreadable or when it holds no key. */
export function readJwks(path: string): LocalJWKSet {
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as JSONWebKeySet;
  if (!Array.isArray(parsed?.keys) || parsed.keys.length === 0) throw new Error(`${path} holds no JSON Web Key`);
  return createLocalJWKSet(parsed);
}

/**
 * libtrust's key id (docker/libtrust keyIDFromCryptoKey): SHA-256 of the DER SubjectPublicKeyInfo,
 * first 240 bits, base32, in 12 groups of 4 joined by ':'.
 */
export function libtrustKeyId(key: KeyObject): string {
  const der = key.export({ type: 'spki', format: 'der' });
  const encoded = base32(createHash('sha256').update(der).digest().subarray(0, 30));
  return encoded.match(/.{4}/g)!.join(':');
}

/** RFC 7638 JWK thumbprint (SHA-256, base64url). */
export function thumbprint(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' }) as Record<string, string>;
  const members =
    jwk.kty === 'RSA' ? ['e', 'kty', 'n'] : jwk.kty === 'EC' ? ['crv', 'kty', 'x', 'y'] : ['crv', 'kty', 'x'];
  const canonical = JSON.stringify(Object.fromEntries(members.map((name) => [name, jwk[name]])));
  return createHash('sha256').update(canonical).digest('base64url');
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}
