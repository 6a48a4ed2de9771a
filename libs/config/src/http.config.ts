import { IsBoolean, IsIn, IsOptional } from 'class-validator';
import { Duration, HeaderMap, Ignored, Section, StringList, IsText } from './decorators.js';

export class TlsConfig {
  @IsText() certificate!: string;
  @IsText() key!: string;
  @IsOptional() @StringList() clientcas?: string[];
  @IsOptional() @IsIn(['tls1.0', 'tls1.1', 'tls1.2', 'tls1.3']) minimumtls: string = 'tls1.2';
  /** distribution's; accepted, not acted on (Node's default cipher suites apply). */
  @Ignored() ciphersuites?: unknown;
  /** distribution's ACME certificates; accepted, not acted on (give certificate and key). */
  @Ignored() letsencrypt?: unknown;
}

export class PrometheusConfig {
  @IsOptional() @IsBoolean() enabled = true;
  @IsOptional() @IsText() path = '/metrics';
}

export class DebugConfig {
  @IsText() addr!: string;
  /** Ours: bearer token for the admin API on the debug listener; the admin API is off without it. */
  @IsOptional() @IsText() token?: string;
  @Section(() => PrometheusConfig) prometheus: PrometheusConfig = new PrometheusConfig();
}

export class HttpConfig {
  @IsOptional() @IsText() addr = '127.0.0.1:5000';
  @IsOptional() @IsIn(['tcp', 'unix']) net: 'tcp' | 'unix' = 'tcp';
  /** Ours: file mode of the unix socket. */
  @IsOptional() @IsText() socketmode?: string;
  @IsOptional() @IsText() prefix = '/';
  /** Absolute base URL (scheme://host[:port]) used for URLs in responses and events. */
  @IsOptional() @IsText() host?: string;
  @IsOptional() @IsText() secret?: string;
  @IsOptional() @IsBoolean() relativeurls = false;
  @IsOptional() @Duration() draintimeout = 0;
  @Section(() => TlsConfig) tls?: TlsConfig;
  @IsOptional() @HeaderMap() headers: Record<string, string[]> = {};
  @Section(() => DebugConfig) debug?: DebugConfig;
  /** distribution's `http2.disabled`; accepted, not acted on (we serve HTTP/1.1). */
  @Ignored() http2?: unknown;
}
