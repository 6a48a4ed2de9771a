import { join, resolve } from 'node:path';
import type { LogLevel, RegistryConfig, SmtpConfig } from '@app/config';

/** The mail hook's configuration (the first enabled `log.hooks[]` of type mail), with our defaults resolved. */
export interface MailSettings {
  levels: readonly LogLevel[];
  smtp: SmtpConfig;
  from: string;
  to: readonly string[];
  subjectPrefix: string;
  /** De-duplication window (ms). */
  window: number;
  maxPerWindow: number;
  /** SMTP connection/greeting/socket timeout (ms). */
  timeout: number;
  /** Longest delay between two tries of one mail (ms). */
  maxBackoff: number;
  /** Where panic mails wait when neither Redis nor SMTP took them. */
  spoolDir: string;
  /** `redis.prefix`: the mail queue and the de-duplication keys live under it. */
  redisPrefix: string;
}

/** undefined when no enabled mail hook is configured: then nothing is mailed. */
export function mailSettings(config: RegistryConfig): MailSettings | undefined {
  const hook = config.log.hooks.find((candidate) => candidate.type === 'mail' && !candidate.disabled);
  if (!hook) return undefined;
  const { options } = hook;
  return {
    levels: hook.levels,
    smtp: options.smtp,
    from: options.from,
    to: options.to,
    subjectPrefix: options.subjectprefix,
    window: options.window,
    maxPerWindow: options.maxperwindow,
    timeout: options.timeout,
    maxBackoff: options.maxbackoff,
    spoolDir: resolve(options.spooldir ?? defaultSpoolDir(config)),
    redisPrefix: config.redis.prefix,
  };
}

function defaultSpoolDir(config: RegistryConfig): string {
  const root = config.storage.driver === 'filesystem' ? config.storage.filesystem?.rootdirectory : undefined;
  return root ? join(root, '_mailspool') : join('data', 'mailspool');
}
