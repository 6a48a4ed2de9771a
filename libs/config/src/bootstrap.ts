import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from './load-config.js';
import type { RegistryConfig } from './registry.config.js';

export interface VersionInfo {
  version: string;
  commit: string;
}

let cachedVersion: VersionInfo | undefined;

/** Package version and git commit (REGISTRY_GIT_COMMIT or `git rev-parse`, else "unknown"). */
export function versionInfo(): VersionInfo {
  if (cachedVersion) return cachedVersion;
  const pkg = JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { version: string };
  let commit = process.env.REGISTRY_GIT_COMMIT ?? '';
  if (!commit) {
    try {
      commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
        cwd: projectRoot(),
        stdio: ['ignore', 'pipe', 'ignore'],
      })
        .toString()
        .trim();
    } catch {
      commit = 'unknown';
    }
  }
  cachedVersion = { version: pkg.version, commit };
  return cachedVersion;
}

/**
 * The start of both apps' main: `--version` prints and exits 0; a bad configuration prints the message
 * naming the key and exits 1. Returns the validated config.
 */
export function configOrExit(app: string, argv: readonly string[] = process.argv.slice(2)): RegistryConfig {
  if (argv.includes('--version') || argv.includes('-v')) {
    const { version, commit } = versionInfo();
    process.stdout.write(`${app} ${version} (commit ${commit})\n`);
    process.exit(0);
  }
  try {
    return loadConfig({ argv: argv.filter((arg) => arg !== 'serve') });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${app}: configuration error: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

/** The project's root folder (where package.json is), from source or from dist/. */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || dir.endsWith('/dist')) {
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
  return dir;
}
