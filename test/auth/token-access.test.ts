import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, SignJWT, importPKCS8 } from 'jose';
import { tempDir } from '@app/testing';
import { TokenAccessController } from '../../apps/registry/src/auth/token.access-controller.js';
import { loadAccessController } from '../../apps/registry/src/auth/load-access-controller.js';
import { libtrustKeyId } from '../../apps/registry/src/auth/token-keys.js';
import { RegistryError } from '../../apps/registry/src/errors/index.js';
import { makeCa, makeLeaf } from '../server/pki.js';
import { TokenServer } from './token-server.js';

const service = 'registry.test';
const issuer = 'test-issuer';
const repoAccess = (name: string, actions: string[]) => [{ resource: { type: 'repository' as const, name }, actions }];

async function refusal(promise: Promise<unknown>): Promise<RegistryError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof RegistryError)) throw new Error(`expected a RegistryError, got ${String(error)}`);
  return error;
}

describe('token access controller (rootcertbundle, kid)', () => {
  const dir = tempDir();
  let server: TokenServer;
  let controller: TokenAccessController;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    const ca = makeCa(dir.path);
    const signer = makeLeaf(dir.path, ca, 'signer', { rsa: true });
    server = await TokenServer.start({ keyFile: signer.key, issuer, service, users: {} });
    controller = loadAccessController({
      token: { realm: server.realm, service, issuer, rootcertbundle: signer.cert, autoredirect: false },
    }) as TokenAccessController;
  });
  afterAll(async () => {
    await server.close();
    dir.remove();
  });

  it('challenges a request without a token with realm, service and scope', async () => {
    const error = await refusal(controller.authorize({}, repoAccess('team/app', ['pull', 'push'])));
    expect(error.code).toBe('UNAUTHORIZED');
    expect(error.headers['WWW-Authenticate']).toBe(
      `Bearer realm="${server.realm}",service="${service}",scope="repository:team/app:pull,push"`,
    );
  });

  it('with autoredirect, points the realm at /auth/token on the host the client used', async () => {
    const redirecting = loadAccessController({
      token: { realm: server.realm, service, issuer, rootcertbundle: join(dir.path, 'signer.crt'), autoredirect: true },
    })!;
    const error = await refusal(
      redirecting.authorize({ host: 'registry.example:5000', 'x-forwarded-proto': 'https' }, []),
    );
    expect(error.headers['WWW-Authenticate']).toBe(
      `Bearer realm="https://registry.example:5000/auth/token",service="${service}"`,
    );
  });

  it('lets a token with the scope in and names its subject', async () => {
    const token = await server.sign('alice', [{ type: 'repository', name: 'team/app', actions: ['pull', 'push'] }]);
    expect(await controller.authorize(bearer(token), repoAccess('team/app', ['pull', 'push']))).toEqual({
      user: 'alice',
    });
    expect(await controller.authorize(bearer(token), [])).toEqual({ user: 'alice' });
  });

  it('answers 403 DENIED when the token server granted less for that repository', async () => {
    const token = await server.sign('alice', [{ type: 'repository', name: 'team/app', actions: ['pull'] }]);
    const error = await refusal(controller.authorize(bearer(token), repoAccess('team/app', ['pull', 'push'])));
    expect(error.code).toBe('DENIED');
    expect(error.status).toBe(403);
  });

  it('answers 401 insufficient_scope for a repository the token never mentions, so clients ask again', async () => {
    const token = await server.sign('alice', [{ type: 'repository', name: 'other', actions: ['*'] }]);
    const error = await refusal(controller.authorize(bearer(token), repoAccess('team/app', ['pull'])));
    expect(error.status).toBe(401);
    expect(error.headers['WWW-Authenticate']).toContain('error="insufficient_scope"');
    expect(error.headers['WWW-Authenticate']).toContain('scope="repository:team/app:pull"');
    const catalog = await refusal(
      controller.authorize(bearer(token), [{ resource: { type: 'registry', name: 'catalog' }, actions: ['*'] }]),
    );
    expect(catalog.headers['WWW-Authenticate']).toContain('scope="registry:catalog:*"');
  });

  it('refuses a wrong issuer, a wrong audience, an expired token and a foreign key as invalid_token', async () => {
    const other = makeLeaf(dir.path, makeCa(dir.path, 'other-ca'), 'intruder', { rsa: true });
    const intruder = await TokenServer.start({ keyFile: other.key, issuer, service, users: {} });
    const past = Math.floor(Date.now() / 1000) - 3600;
    const tokens = [
      await server.sign('alice', [], { iss: 'someone-else' }),
      await server.sign('alice', [], { aud: 'another-service' }),
      await server.sign('alice', [], { exp: past, nbf: past - 60 }),
      await intruder.sign('alice', []),
      'not.a.jwt',
    ];
    await intruder.close();
    for (const token of tokens) {
      const error = await refusal(controller.authorize(bearer(token), []));
      expect(error.status).toBe(401);
      expect(error.headers['WWW-Authenticate']).toContain('error="invalid_token"');
    }
  });

  it('refuses a token signed with HS256 using the public key as secret (algorithm confusion)', async () => {
    const publicPem = createPublicKey(readFileSync(join(dir.path, 'signer.key'))).export({
      type: 'spki',
      format: 'pem',
    });
    const forged = await new SignJWT({ access: [{ type: 'repository', name: 'team/app', actions: ['*'] }] })
      .setProtectedHeader({
        alg: 'HS256',
        kid: libtrustKeyId(createPublicKey(readFileSync(join(dir.path, 'signer.key')))),
      })
      .setIssuer(issuer)
      .setAudience(service)
      .setExpirationTime('5m')
      .sign(Buffer.from(publicPem));
    const error = await refusal(controller.authorize(bearer(forged), repoAccess('team/app', ['pull'])));
    expect(error.status).toBe(401);
  });
});

describe('token access controller (x5c chain to a root CA; jwks)', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('accepts a leaf certificate sent in x5c that chains to the bundle, and refuses one that does not', async () => {
    const ca = makeCa(dir.path);
    const leaf = makeLeaf(dir.path, ca, 'issuer-leaf', { rsa: true });
    const x5c = [new X509Certificate(readFileSync(leaf.cert)).raw.toString('base64')];
    const server = await TokenServer.start({ keyFile: leaf.key, issuer, service, users: {}, x5c });
    const trusting = loadAccessController({
      token: { realm: server.realm, service, issuer, rootcertbundle: ca.cert, autoredirect: false },
    })!;
    const token = await server.sign('bob', [{ type: 'repository', name: 'x', actions: ['pull'] }]);
    expect(await trusting.authorize({ authorization: `Bearer ${token}` }, repoAccess('x', ['pull']))).toEqual({
      user: 'bob',
    });
    const strangerCa = makeCa(dir.path, 'stranger');
    const distrusting = loadAccessController({
      token: { realm: server.realm, service, issuer, rootcertbundle: strangerCa.cert, autoredirect: false },
    })!;
    expect(
      (await refusal(distrusting.authorize({ authorization: `Bearer ${token}` }, repoAccess('x', ['pull'])))).status,
    ).toBe(401);
    await server.close();
  });

  it('accepts a token whose kid is in the jwks file', async () => {
    const key = makeLeaf(dir.path, makeCa(dir.path, 'jwks-ca'), 'jwks-signer');
    const jwk = {
      ...(await exportJWK(createPublicKey(readFileSync(key.key)))),
      kid: 'key-1',
      alg: 'ES256',
      use: 'sig',
    };
    writeFileSync(join(dir.path, 'jwks.json'), JSON.stringify({ keys: [jwk] }));
    const controller = loadAccessController({
      token: { realm: 'http://auth', service, issuer, jwks: join(dir.path, 'jwks.json'), autoredirect: false },
    })!;
    const token = await new SignJWT({ access: [{ type: 'registry', name: 'catalog', actions: ['*'] }] })
      .setProtectedHeader({ alg: 'ES256', kid: 'key-1' })
      .setIssuer(issuer)
      .setAudience(service)
      .setSubject('carol')
      .setExpirationTime('5m')
      .sign(await importPKCS8(createPrivateKeyPem(key.key), 'ES256'));
    const catalog = [{ resource: { type: 'registry' as const, name: 'catalog' }, actions: ['*'] }];
    expect(await controller.authorize({ authorization: `Bearer ${token}` }, catalog)).toEqual({ user: 'carol' });
  });
});

function createPrivateKeyPem(path: string): string {
  return createPrivateKey(readFileSync(path)).export({ type: 'pkcs8', format: 'pem' }).toString();
}
