import { Injectable, type OnModuleInit } from '@nestjs/common';
import { RegistryConfig } from '@app/config';
import { AppLogger } from '@app/logging';
import { AccessController } from './access-controller.js';

/** Says at start which scheme guards the registry, and warns loudly about `auth.silly`. */
@Injectable()
export class AuthWarnings implements OnModuleInit {
  constructor(
    private readonly controller: AccessController,
    private readonly config: RegistryConfig,
    private readonly logger: AppLogger,
  ) {}

  onModuleInit(): void {
    for (const warning of this.controller.warnings()) this.logger.warn({ auth: this.controller.scheme }, warning);
    if (this.controller.scheme === 'silly') {
      this.logger.warn(
        { auth: 'silly' },
        'auth.silly is ON: any Authorization header is accepted. This scheme is for development only; never expose this registry.',
      );
      return;
    }
    const realm = this.config.auth?.htpasswd?.realm ?? this.config.auth?.token?.realm;
    this.logger.info({ auth: this.controller.scheme, realm }, 'access control enabled');
  }
}
