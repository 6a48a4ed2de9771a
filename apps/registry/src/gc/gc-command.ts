import { ConfigError, loadConfig } from '@app/config';
import { createStorageDriver } from '@app/storage';
import { GarbageCollector, type CollectReport } from './garbage-collector.js';

const USAGE = 'usage: registry garbage-collect CONFIG [--dry-run|-d] [--delete-untagged|-m]\n';
const FLAGS: Record<string, 'dryRun' | 'deleteUntagged'> = {
  '--dry-run': 'dryRun',
  '-d': 'dryRun',
  '--delete-untagged': 'deleteUntagged',
  '-m': 'deleteUntagged',
};

export interface GcArguments {
  config?: string;
  dryRun: boolean;
  deleteUntagged: boolean;
}

/** Parses the arguments after `garbage-collect`; undefined when one is not understood. */
export function parseGcArguments(argv: readonly string[]): GcArguments | undefined {
  const parsed: GcArguments = { dryRun: false, deleteUntagged: false };
  for (const arg of argv) {
    const flag = FLAGS[arg] ?? FLAGS[arg.replace(/=true$/, '')];
    if (flag) parsed[flag] = true;
    else if (arg.startsWith('-') || parsed.config !== undefined) return undefined;
    else parsed.config = arg;
  }
  return parsed;
}

/** One line for people and scripts: what went (or would go) and what stayed. */
export function describeReport(report: CollectReport): string {
  const verb = report.dryRun ? 'would delete' : 'deleted';
  return (
    `garbage-collect: ${verb} ${report.blobsDeleted} blobs (${report.bytesDeleted} bytes), ` +
    `${report.manifestsDeleted} manifests, ${report.linksDeleted} links; ` +
    `kept ${report.manifestsMarked} manifests and ${report.blobsMarked} blobs in ${report.repositories} repositories\n`
  );
}

/**
 * `registry garbage-collect CONFIG [--dry-run] [--delete-untagged]` (distribution's command and flags): an
 * offline mark and sweep of the configured storage. Run it while no registry writes to that storage. Returns
 * the exit code: 0 done, 1 configuration or storage error, 2 bad arguments.
 */
export async function runGarbageCollect(argv: readonly string[]): Promise<number> {
  const args = parseGcArguments(argv);
  if (!args || (args.config === undefined && !process.env.REGISTRY_CONFIGURATION_PATH)) {
    process.stderr.write(USAGE);
    return 2;
  }
  try {
    const config = loadConfig({ argv: args.config ? [args.config] : [] });
    const driver = createStorageDriver(config.storage);
    const emit = (line: string) => process.stdout.write(`${line}\n`);
    const report = await new GarbageCollector(driver).collect({ ...args, emit });
    process.stdout.write(describeReport(report));
    return 0;
  } catch (error) {
    const message = error instanceof ConfigError ? `configuration error: ${error.message}` : String(error);
    process.stderr.write(`registry garbage-collect: ${message}\n`);
    return 1;
  }
}
