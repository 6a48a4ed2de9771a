import type { IncomingHttpHeaders } from 'node:http';
import { jwtVerify, type JWTPayload } from 'jose';
import type { TokenConfig } from '@app/config';
import { RegistryError } from '../errors/index.js';
import { isGranted, mentions, scopeOf, type Access, type GrantedAccess } from './access.js';
import { AccessController, bearerToken, quoted, type Grant } from './access-controller.js';
import { TrustedKeys } from './token-keys.js';

/** distribution's leeway on exp/nbf. */
const LEEWAY_SECONDS = 60;
const ASYMMETRIC = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
];

interface AccessClaims extends JWTPayload {
  access?: GrantedAccess[] | null;
}

/**
 * distribution's `auth.token` (the Docker token protocol): a bearer JWT from the configured token
 * server, checked for signature, issuer, audience (= service), exp/nbf, and the `access` claim against what
 * the route needs.
 *
 * Without a valid token: 401 with `WWW-Authenticate: Bearer realm,service,scope` so clients fetch one.
 * A valid token that holds no entry for the resource: 401 `error="insufficient_scope"` (the client asks
 * the token server again, for this scope). A valid token whose entry for the resource lacks the action: the
 * token server has decided, so 403 DENIED.
 */
export class TokenAccessController extends AccessController {
  readonly scheme = 'token';

  constructor(
    private readonly config: TokenConfig,
    private readonly keys: TrustedKeys = TrustedKeys.load(config.rootcertbundle, config.jwks),
    private readonly now: () => Date = () => new Date(),
  ) {
    super();
  }

  async authorize(headers: IncomingHttpHeaders, access: readonly Access[]): Promise<Grant> {
    const token = bearerToken(headers);
    if (!token) throw this.unauthorized(headers, access, 'authentication required');
    let claims: AccessClaims;
    try {
      claims = await this.verify(token);
    } catch (error) {
      throw this.unauthorized(headers, access, `invalid token: ${(error as Error).message}`, 'invalid_token');
    }
    const granted = Array.isArray(claims.access) ? claims.access.filter(isGrantedAccess) : [];
    for (const needed of access) {
      if (isGranted(granted, needed)) continue;
      if (mentions(granted, needed)) {
        throw new RegistryError('DENIED', 'requested access to the resource is denied', [
          { Type: needed.resource.type, Name: needed.resource.name, Action: needed.actions.join(',') },
        ]);
      }
      throw this.unauthorized(headers, access, 'insufficient scope', 'insufficient_scope');
    }
    return { user: typeof claims.sub === 'string' && claims.sub ? claims.sub : undefined };
  }

  private async verify(token: string): Promise<AccessClaims> {
    const { payload } = await jwtVerify<AccessClaims>(token, (header) => this.keys.keyFor(header), {
      issuer: this.config.issuer,
      audience: this.config.service,
      clockTolerance: LEEWAY_SECONDS,
      requiredClaims: ['exp'],
      algorithms: ASYMMETRIC,
      currentDate: this.now(),
    });
    return payload;
  }

  private unauthorized(
    headers: IncomingHttpHeaders,
    access: readonly Access[],
    message: string,
    error?: string,
  ): RegistryError {
    const params = [`realm=${quoted(this.realm(headers))}`, `service=${quoted(this.config.service)}`];
    if (access.length > 0) params.push(`scope=${quoted(access.map(scopeOf).join(' '))}`);
    if (error) params.push(`error=${quoted(error)}`);
    return new RegistryError('UNAUTHORIZED', message, undefined, { 'WWW-Authenticate': `Bearer ${params.join(',')}` });
  }

  /** `autoredirect`: the realm is /auth/token on the host the client used. */
  private realm(headers: IncomingHttpHeaders): string {
    if (!this.config.autoredirect) return this.config.realm;
    const proto = String(headers['x-forwarded-proto'] ?? 'https')
      .split(',')[0]
      .trim();
    const host = String(headers['x-forwarded-host'] ?? headers.host ?? '')
      .split(',')[0]
      .trim();
    return `${proto}://${host}/auth/token`;
  }
}

function isGrantedAccess(entry: unknown): entry is GrantedAccess {
  const value = entry as GrantedAccess;
  return !!value && typeof value.type === 'string' && typeof value.name === 'string' && Array.isArray(value.actions);
}
