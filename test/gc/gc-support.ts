import { cpSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { stringify } from 'yaml';
import { PROJECT_ROOT, run, type CommandResult } from '../support/index.js';

export const DISTRIBUTION = '/usr/bin/docker-registry';
const MAIN = join(PROJECT_ROOT, 'dist/apps/registry/src/main.js');
const V2 = 'docker/registry/v2';

/** Every file under `root`, relative, sorted. */
export function filesUnder(root: string): string[] {
  return (readdirSync(root, { recursive: true }) as string[])
    .filter((path) => statSync(join(root, path)).isFile())
    .map((path) => relative(root, join(root, path)))
    .sort();
}

/** The blobs (digests) of a registry root whose data file is present, with their sizes. */
export function blobsOf(root: string): Map<string, number> {
  const blobs = new Map<string, number>();
  const base = join(root, V2, 'blobs', 'sha256');
  for (const path of filesUnder(base)) {
    const [, hex, name] = path.split('/');
    if (name === 'data') blobs.set(`sha256:${hex}`, statSync(join(base, path)).size);
  }
  return blobs;
}

/** A copy of a registry root with a config file naming it: the same tree for two collectors. */
export function copyTree(from: string, to: string): { root: string; config: string } {
  cpSync(from, to, { recursive: true });
  const config = `${to}.yml`;
  writeFileSync(config, stringify({ version: '0.1', storage: { filesystem: { rootdirectory: to } } }));
  return { root: to, config };
}

/** `node main.js garbage-collect CONFIG ...flags` from the build. */
export function ourGc(config: string, flags: readonly string[] = []): Promise<CommandResult> {
  return run(process.execPath, [MAIN, 'garbage-collect', config, ...flags]);
}

export function distributionGc(config: string, flags: readonly string[] = []): Promise<CommandResult> {
  return run(DISTRIBUTION, ['garbage-collect', ...flags, config]);
}

export const MAIN_PATH = MAIN;

/** What the summary line says: blobs, bytes, manifests and links deleted. */
export function summaryOf(stdout: string): { blobs: number; bytes: number; manifests: number; links: number } {
  const match = /(?:would delete|deleted) (\d+) blobs \((\d+) bytes\), (\d+) manifests, (\d+) links/.exec(stdout);
  if (!match) throw new Error(`no summary in:\n${stdout.slice(-2000)}`);
  return { blobs: +match[1], bytes: +match[2], manifests: +match[3], links: +match[4] };
}
