import { Type } from 'class-transformer';
import { IsArray, IsOptional, IsUrl, ValidateNested } from 'class-validator';
import { Duration, IsText } from './decorators.js';

const URL_RULES = { require_tld: false, protocols: ['http', 'https'], require_protocol: true };
/** distribution's default `proxy.ttl`: cached content stays a week after its last use. */
export const DEFAULT_PROXY_TTL = 168 * 3_600_000;

/** Ours: one upstream whose repositories are cached under `prefix/` (`hub/library/alpine` → `library/alpine`). */
export class ProxyRemoteConfig {
  @IsText() prefix!: string;
  @IsUrl(URL_RULES) remoteurl!: string;
  @IsOptional() @IsText() username?: string;
  @IsOptional() @IsText() password?: string;
  /** How long cached content stays after its last use; 0 keeps it for ever. */
  @IsOptional() @Duration() ttl = DEFAULT_PROXY_TTL;
  /** How long a tag's digest is trusted before the upstream is asked again; 0 asks on every lookup. */
  @IsOptional() @Duration() tagttl = 0;
  /** PEM file of CAs trusted for this upstream, beside the system's. */
  @IsOptional() @IsText() cafile?: string;
}

/**
 * `proxy`: a pull-through cache. distribution's keys (`remoteurl`, `username`, `password`, `ttl`) make the
 * whole registry a cache of one upstream; ours, `remotes[]`, cache some prefixes and leave the rest local.
 */
export class ProxyConfig {
  @IsOptional() @IsUrl(URL_RULES) remoteurl?: string;
  @IsOptional() @IsText() username?: string;
  @IsOptional() @IsText() password?: string;
  @IsOptional() @Duration() ttl = DEFAULT_PROXY_TTL;
  /** Ours, as in `remotes[]`. */
  @IsOptional() @Duration() tagttl = 0;
  /** Ours, as in `remotes[]`. */
  @IsOptional() @IsText() cafile?: string;
  /** Ours: how long an upstream may take to answer, or pause while sending a body. */
  @IsOptional() @Duration() timeout = 30_000;
  @IsOptional() @IsArray() @ValidateNested({ each: true }) @Type(() => ProxyRemoteConfig) remotes: ProxyRemoteConfig[] =
    [];
}

const PREFIX = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;

/**
 * What class-validator cannot see: `remotes` beside `remoteurl` (which makes every repository a cache), a
 * prefix that is not a repository path, and two prefixes of which one contains the other. Each names its key.
 */
export function proxyProblems(proxy: ProxyConfig | undefined): string[] {
  if (!proxy) return [];
  const problems: string[] = [];
  if (proxy.remoteurl && proxy.remotes.length > 0) {
    problems.push('proxy.remotes: cannot be combined with proxy.remoteurl, which makes the whole registry a cache');
  }
  if (!proxy.remoteurl && proxy.remotes.length === 0 && (proxy.username || proxy.password)) {
    problems.push('proxy.remoteurl: required with proxy.username or proxy.password');
  }
  proxy.remotes.forEach((remote, index) => {
    const key = `proxy.remotes[${index}].prefix`;
    if (!PREFIX.test(remote.prefix)) {
      problems.push(`${key}: must be a repository path such as hub or mirrors/docker (got "${remote.prefix}")`);
      return;
    }
    const other = proxy.remotes.findIndex((earlier, at) => at < index && overlaps(earlier.prefix, remote.prefix));
    if (other !== -1) {
      problems.push(
        `${key}: "${remote.prefix}" overlaps proxy.remotes[${other}].prefix "${proxy.remotes[other].prefix}"`,
      );
    }
  });
  return problems;
}

function overlaps(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}
