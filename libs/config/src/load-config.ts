import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { parse as parseYaml } from 'yaml';
import { configProblems, describeProblem, type ConfigProblem } from './config-problems.js';
import { didYouMean } from './did-you-mean.js';
import { proxyProblems } from './proxy.config.js';
import { RegistryConfig } from './registry.config.js';
import { STORAGE_DRIVERS, type StorageDriverName } from './storage.config.js';

/** A configuration problem; the message names the key. The apps print it and exit with code 1. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const STORAGE_PARAMETERS = new Set(['delete', 'maintenance', 'cache', 'redirect', 'gc']);
const ENV_PREFIX = 'REGISTRY_';
const PATH_VARIABLE = 'REGISTRY_CONFIGURATION_PATH';

export interface LoadOptions {
  /** Command-line arguments after the script (the first non-flag one is the config path). */
  argv?: readonly string[];
  env?: NodeJS.ProcessEnv;
}

/** The config file named on the command line or by REGISTRY_CONFIGURATION_PATH, if any. */
export function configPath({ argv = process.argv.slice(2), env = process.env }: LoadOptions = {}): string | undefined {
  const positional = argv.find((arg) => !arg.startsWith('-'));
  return positional ?? (env[PATH_VARIABLE] || undefined);
}

/**
 * Reads, overrides from the environment, and validates the configuration, once. Without a file it serves
 * out of the box: filesystem storage under ./data, http on 127.0.0.1:5000.
 */
export function loadConfig(options: LoadOptions = {}): RegistryConfig {
  const env = options.env ?? process.env;
  const path = configPath(options);
  const raw = path ? readFile(path) : { version: '0.1', storage: { filesystem: { rootdirectory: './data' } } };
  const fromEnvironment = applyEnvironment(raw, env);
  return validate(raw, path ? resolve(path) : undefined, fromEnvironment);
}

/**
 * Validates an already parsed configuration object (what a YAML file holds). A key no config class
 * declares is an error, as a wrong type is.
 */
export function fromObject(raw: Record<string, unknown>, source?: string): RegistryConfig {
  return validate(raw, source, new Set());
}

/**
 * `fromEnvironment`: the keys REGISTRY_* variables added. Those no class declares are ignored, as today and as
 * distribution does (which logs "Ignoring unrecognized environment variable"): REGISTRY_GIT_COMMIT, or the
 * REGISTRY_PORT that Kubernetes sets for a service named registry, must not stop the process.
 */
function validate(
  raw: Record<string, unknown>,
  source: string | undefined,
  fromEnvironment: ReadonlySet<string>,
): RegistryConfig {
  if (raw.version === undefined) throw new ConfigError('version: required (e.g. version: 0.1)');
  raw.version = String(raw.version);
  const driver = storageDriver(raw.storage);
  checkAuth(raw.auth);
  const config = plainToInstance(RegistryConfig, raw, { exposeDefaultValues: true });
  // forbidUnknownValues off: a section without parameters (storage.inmemory) has no validation metadata.
  // whitelist + forbidNonWhitelisted: a key without a decorator in its section's class is reported.
  const errors = validateSync(config, { forbidUnknownValues: false, whitelist: true, forbidNonWhitelisted: true });
  const ignored = (problem: ConfigProblem) => problem.unknown && fromEnvironment.has(problem.path.join('.'));
  const problems = configProblems(errors).filter((problem) => !ignored(problem));
  if (problems.length > 0) throw new ConfigError(problems.map(describeProblem).join('; '));
  const proxy = proxyProblems(config.proxy);
  if (proxy.length > 0) throw new ConfigError(proxy.join('; '));
  config.storage.driver = driver;
  resolveOrdering(config);
  config.source = source;
  return config;
}

/** Fills each endpoint's `ordering` (`ordered: true` is `endpoint`) and keeps `ordered` equal to it. */
function resolveOrdering(config: RegistryConfig): void {
  for (const endpoint of config.notifications.endpoints) {
    endpoint.ordering ??= endpoint.ordered ? 'endpoint' : 'repository';
    endpoint.ordered = endpoint.ordering === 'endpoint';
  }
}

function readFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read configuration file ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    throw new ConfigError(`${path} is not valid YAML: ${(error as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`${path}: the configuration must be a YAML mapping`);
  }
  return parsed as Record<string, unknown>;
}

/**
 * REGISTRY_A_B_C=value sets a.b.c (keys matched case-insensitively); the value is read as a YAML scalar.
 * Returns the paths (`a`, `a.b`, `a.b.c`) of the keys it added.
 */
function applyEnvironment(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): Set<string> {
  const added = new Set<string>();
  const names = Object.keys(env)
    .filter((name) => name.startsWith(ENV_PREFIX) && name !== PATH_VARIABLE)
    .sort();
  for (const name of names) {
    const path = name.slice(ENV_PREFIX.length).toLowerCase().split('_').filter(Boolean);
    if (path.length === 0) continue;
    const value = parseScalar(env[name] ?? '');
    if (path.length === 1 && path[0] === 'storage' && typeof value === 'string') {
      raw.storage = { [value]: {} };
      continue;
    }
    let node = raw;
    const keys: string[] = [];
    for (const [index, segment] of path.entries()) {
      const key = Object.keys(node).find((existing) => existing.toLowerCase() === segment) ?? segment;
      keys.push(key);
      if (!Object.hasOwn(node, key)) added.add(keys.join('.'));
      if (index === path.length - 1) {
        node[key] = value;
      } else {
        if (!node[key] || typeof node[key] !== 'object' || Array.isArray(node[key])) node[key] = {};
        node = node[key] as Record<string, unknown>;
      }
    }
  }
  return added;
}

function parseScalar(text: string): unknown {
  try {
    return parseYaml(text) ?? '';
  } catch {
    return text;
  }
}

function storageDriver(storage: unknown): StorageDriverName {
  if (!storage || typeof storage !== 'object' || Array.isArray(storage)) {
    throw new ConfigError('storage: required; configure one driver, e.g. storage.filesystem.rootdirectory');
  }
  const drivers = Object.keys(storage).filter((key) => !STORAGE_PARAMETERS.has(key));
  if (drivers.length === 0)
    throw new ConfigError('storage: no storage driver configured (filesystem, inmemory, s3 or rados)');
  // Before "more than one": storage.delet beside storage.filesystem is a typo, not a second driver.
  const unknown = drivers.find((name) => !(STORAGE_DRIVERS as readonly string[]).includes(name));
  if (unknown) {
    const hint = didYouMean(unknown, [...STORAGE_DRIVERS, ...STORAGE_PARAMETERS]);
    const supported = STORAGE_DRIVERS.join(', ');
    throw new ConfigError(`storage.${unknown}: unknown storage driver${hint} (supported: ${supported})`);
  }
  if (drivers.length > 1) throw new ConfigError(`storage: more than one driver configured (${drivers.join(', ')})`);
  const [driver] = drivers;
  const section = (storage as Record<string, unknown>)[driver];
  if (section === null || section === '') (storage as Record<string, unknown>)[driver] = {};
  return driver as StorageDriverName;
}

function checkAuth(auth: unknown): void {
  if (auth === undefined || auth === null) return;
  if (typeof auth !== 'object' || Array.isArray(auth)) throw new ConfigError('auth: must be a mapping');
  const schemes = Object.keys(auth);
  const known = ['htpasswd', 'token', 'silly'];
  const unknown = schemes.find((scheme) => !known.includes(scheme));
  if (unknown) {
    const hint = didYouMean(unknown, known);
    throw new ConfigError(`auth.${unknown}: unknown auth scheme${hint} (supported: ${known.join(', ')})`);
  }
  if (schemes.length > 1) throw new ConfigError(`auth: more than one scheme configured (${schemes.join(', ')})`);
}
