import { IsBoolean, IsOptional } from 'class-validator';
import { Section, IsText } from './decorators.js';

export class HtpasswdConfig {
  @IsText() realm!: string;
  @IsText() path!: string;
}

export class TokenConfig {
  @IsText() realm!: string;
  @IsText() service!: string;
  @IsText() issuer!: string;
  @IsOptional() @IsText() rootcertbundle?: string;
  @IsOptional() @IsText() jwks?: string;
  @IsOptional() @IsBoolean() autoredirect = false;
}

export class SillyConfig {
  @IsText() realm!: string;
  @IsText() service!: string;
}

/** At most one scheme; the loader refuses two. */
export class AuthConfig {
  @Section(() => HtpasswdConfig) htpasswd?: HtpasswdConfig;
  @Section(() => TokenConfig) token?: TokenConfig;
  @Section(() => SillyConfig) silly?: SillyConfig;
}
