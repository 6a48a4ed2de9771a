import { createServer, type Server } from 'node:http';
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SignJWT } from 'jose';
import { libtrustKeyId } from '../../apps/registry/src/auth/token-keys.js';

/** user → password and, per repository glob ('*' = any), the actions the server grants. */
export interface TokenUser {
  password: string;
  rights: Record<string, string[]>;
}

export interface TokenServerOptions {
  /** PEM private key the tokens are signed with. */
  keyFile: string;
  issuer: string;
  service: string;
  users: Record<string, TokenUser>;
  /** Header `x5c` (base64 DER certificates) instead of a `kid`. */
  x5c?: string[];
  expiresIn?: number;
}

/**
 * A Docker token server (the token protocol docker, podman and skopeo speak): GET /token?service&scope
 * with Basic credentials answers {token, access_token, expires_in, issued_at}, granting each requested
 * action the user has. Anonymous requests get a token with no access. Records the scopes asked for.
 */
export class TokenServer {
  readonly requests: { account?: string; scopes: string[] }[] = [];
  private readonly key: KeyObject;

  private constructor(
    private readonly server: Server,
    private readonly options: TokenServerOptions,
  ) {
    this.key = createPrivateKey(readFileSync(options.keyFile));
  }

  static async start(options: TokenServerOptions): Promise<TokenServer> {
    const server = createServer();
    const tokenServer = new TokenServer(server, options);
    server.on('request', (req, res) => {
      tokenServer.answer(req.url ?? '/', req.headers.authorization).then(
        ({ status, body }) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)),
        (error: Error) => res.writeHead(500).end(error.message),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return tokenServer;
  }

  get realm(): string {
    const { port } = this.server.address() as { port: number };
    return `http://127.0.0.1:${port}/token`;
  }

  /** A token for `sub` with exactly this access, signed like the server's (for direct tests). */
  sign(
    sub: string | undefined,
    access: { type: string; name: string; actions: string[] }[],
    claims: Record<string, unknown> = {},
  ): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const header = this.options.x5c
      ? { alg: this.alg, x5c: this.options.x5c }
      : { alg: this.alg, kid: libtrustKeyId(createPublicKey(this.key)) };
    const payload = {
      iss: this.options.issuer,
      aud: this.options.service,
      iat: now,
      nbf: now - 1,
      exp: now + (this.options.expiresIn ?? 300),
      jti: String(Math.random()),
      ...(sub ? { sub } : {}),
      access,
      ...claims,
    };
    return new SignJWT(payload).setProtectedHeader(header).sign(this.key);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private get alg(): string {
    return this.key.asymmetricKeyType === 'rsa' ? 'RS256' : 'ES256';
  }

  private async answer(url: string, authorization?: string): Promise<{ status: number; body: unknown }> {
    const query = new URL(url, 'http://token').searchParams;
    const account = this.authenticate(authorization);
    if (account === null) return { status: 401, body: { details: 'invalid credentials' } };
    const scopes = query
      .getAll('scope')
      .flatMap((scope) => scope.split(' '))
      .filter(Boolean);
    this.requests.push({ account, scopes });
    const access = scopes.map((scope) => this.grant(account, scope)).filter((entry) => entry !== undefined);
    const token = await this.sign(account, access);
    return {
      status: 200,
      body: {
        token,
        access_token: token,
        expires_in: this.options.expiresIn ?? 300,
        issued_at: new Date().toISOString(),
      },
    };
  }

  /** The account name, undefined when anonymous, null when credentials are wrong. */
  private authenticate(authorization?: string): string | undefined | null {
    if (!authorization?.startsWith('Basic ')) return undefined;
    const [user, ...rest] = Buffer.from(authorization.slice(6), 'base64').toString().split(':');
    return this.options.users[user]?.password === rest.join(':') ? user : null;
  }

  private grant(
    account: string | undefined,
    scope: string,
  ): { type: string; name: string; actions: string[] } | undefined {
    const parts = scope.split(':');
    if (parts.length < 3) return undefined;
    const [type, name, actions] = [parts[0], parts.slice(1, -1).join(':'), parts[parts.length - 1].split(',')];
    const rights = account ? this.options.users[account].rights : {};
    const allowed = rights[name] ?? rights['*'] ?? [];
    const granted = actions.filter((action) => allowed.includes(action) || allowed.includes('*'));
    return { type, name, actions: granted };
  }
}
