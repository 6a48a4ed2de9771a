import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsIn, IsInt, IsObject, IsOptional, Min, ValidateNested } from 'class-validator';
import { Duration, Ignored, Section, StringList, IsText } from './decorators.js';

export const LOG_LEVELS = ['panic', 'fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export class SmtpConfig {
  /** host:port of the SMTP server. */
  @IsText() addr!: string;
  @IsOptional() @IsText() username?: string;
  @IsOptional() @IsText() password?: string;
  /** Accept a self-signed or mismatched certificate. */
  @IsOptional() @IsBoolean() insecure = false;
}

export class MailOptionsConfig {
  @Section(() => SmtpConfig) smtp!: SmtpConfig;
  @IsText() from!: string;
  @StringList() to!: string[];
  /** Ours: prefix of every subject. */
  @IsOptional() @IsText() subjectprefix = '[registry]';
  /** Ours: de-duplication window; identical errors inside it are summed into one follow-up mail. */
  @IsOptional() @Duration() window = 60_000;
  /** Ours: at most this many mails per window, all fingerprints together. */
  @IsOptional() @IsInt() @Min(1) maxperwindow = 20;
  /** Ours: how long one SMTP connection, greeting or reply may take. */
  @IsOptional() @Duration() timeout = 10_000;
  /** Ours: longest wait between two tries of a mail while the SMTP server is unreachable. */
  @IsOptional() @Duration() maxbackoff = 300_000;
  /**
   * Ours: where panic mails wait when neither Redis nor SMTP took them; default `<storage root>/_mailspool` or
   * `./data/mailspool`.
   */
  @IsOptional() @IsText() spooldir?: string;
}

export class LogHookConfig {
  @IsIn(['mail']) type!: 'mail';
  @IsOptional() @IsBoolean() disabled = false;
  @IsOptional() @IsArray() @IsIn(LOG_LEVELS, { each: true }) levels: LogLevel[] = ['panic', 'error'];
  @Section(() => MailOptionsConfig) options!: MailOptionsConfig;
}

export class AccessLogConfig {
  @IsOptional() @IsBoolean() disabled = false;
}

export class LogConfig {
  @IsOptional() @IsIn(LOG_LEVELS) level: LogLevel = 'info';
  @IsOptional() @IsIn(['text', 'json', 'logstash']) formatter: 'text' | 'json' | 'logstash' = 'text';
  @IsOptional() @IsObject() fields: Record<string, unknown> = {};
  @Section(() => AccessLogConfig) accesslog: AccessLogConfig = new AccessLogConfig();
  @IsOptional() @IsArray() @ValidateNested({ each: true }) @Type(() => LogHookConfig) hooks: LogHookConfig[] = [];
  /** distribution's (the caller's file and line on each line); accepted, not acted on. */
  @Ignored() reportcaller?: unknown;
}
