import type { IncomingHttpHeaders } from 'node:http';
import type { HtpasswdConfig } from '@app/config';
import { RegistryError } from '../errors/index.js';
import type { Access } from './access.js';
import { AccessController, basicCredentials, quoted, type Grant } from './access-controller.js';
import { HtpasswdFile } from './htpasswd.js';

/**
 * distribution's `auth.htpasswd`: HTTP Basic against bcrypt entries. Every authenticated user has every
 * access (htpasswd has no per-repository rights, as in distribution).
 */
export class HtpasswdAccessController extends AccessController {
  readonly scheme = 'htpasswd';
  private readonly challenge: string;

  constructor(
    config: HtpasswdConfig,
    private readonly file: HtpasswdFile = new HtpasswdFile(config.path),
  ) {
    super();
    this.challenge = `Basic realm=${quoted(config.realm)}`;
  }

  override warnings(): string[] {
    const warnings = this.file.unsupported.map(
      (user) => `auth.htpasswd.path: entry of ${user} is not bcrypt (htpasswd -B); it can never log in`,
    );
    if (this.file.size === 0) warnings.push(`auth.htpasswd.path: ${this.file.path} has no users; nobody can log in`);
    return warnings;
  }

  async authorize(headers: IncomingHttpHeaders, _access: readonly Access[]): Promise<Grant> {
    const credentials = basicCredentials(headers);
    if (!credentials) throw this.unauthorized('authentication required');
    if (!(await this.file.verify(credentials.username, credentials.password))) {
      throw this.unauthorized('invalid username or password');
    }
    return { user: credentials.username };
  }

  private unauthorized(message: string): RegistryError {
    return new RegistryError('UNAUTHORIZED', message, undefined, { 'WWW-Authenticate': this.challenge });
  }
}
