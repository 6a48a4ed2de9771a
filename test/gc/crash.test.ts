import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { tempDir } from '@app/testing';
import { blobsOf, copyTree, MAIN_PATH, ourGc, summaryOf } from './gc-support.js';
import { danglingReferences, TreeBuilder } from './tree-checks.js';

const KEPT_IMAGES = 20;
const UNTAGGED_IMAGES = 1000;
/** Lines of the sweep printed before the kill (each printed before its deletion). */
const AFTER = 300;

/**
 * Runs the collector and kills it (SIGKILL) once it has printed AFTER lines starting with `marker`. It then stops
 * reading its output, so the collector, whose stdout is a pipe (synchronous writes), blocks after at most
 * a pipe's worth of further lines: the kill lands mid-sweep, with thousands of deletions still to go.
 */
function killWhenPrinted(config: string, marker: string): Promise<void> {
  const child = spawn(process.execPath, [MAIN_PATH, 'garbage-collect', config, '--delete-untagged'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let partial = '';
  let count = 0;
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop()!;
      count += lines.filter((line) => line.startsWith(marker)).length;
      if (count < AFTER) return;
      child.stdout.pause();
      child.kill('SIGKILL');
    });
    child.once('exit', (code, signal) =>
      signal === 'SIGKILL' ? resolve() : reject(new Error(`collector ended (${code}) before ${marker}`)),
    );
  });
}

// kill -9 of the collector in its link sweep and in its blob sweep: what it leaves has no dangling reference,
// and the next run finishes the job, ending where an uninterrupted run ends.
describe('garbage-collect killed mid-sweep', { timeout: 180_000 }, () => {
  const work = tempDir('gc-crash-');
  const tree = new TreeBuilder(join(work.path, 'tree'));
  const shared = tree.blob('shared layer');
  const kept = new Set<string>();
  for (let i = 0; i < KEPT_IMAGES; i++) {
    const repo = `crash/app${i % 3}`;
    for (const blob of tree.image(repo, `kept ${i}`, [shared, tree.blob(`kept layer ${i}`)], `v${i}`))
      kept.add(blob.digest);
  }
  for (let i = 0; i < UNTAGGED_IMAGES; i++)
    tree.image(`crash/app${i % 3}`, `old ${i}`, [shared, tree.blob(`old ${i}`)]);
  const total = blobsOf(tree.root).size;

  afterAll(() => work.remove());

  for (const marker of ['Removing link:', 'Deleting blob:']) {
    it(`is consistent after a kill at "${marker}" and the rerun finishes`, async () => {
      const copy = copyTree(tree.root, join(work.path, marker.split(' ')[0]));
      expect(danglingReferences(copy.root)).toEqual([]);
      await killWhenPrinted(copy.config, marker);
      const left = blobsOf(copy.root).size;
      expect(left).toBeGreaterThan(kept.size);
      if (marker === 'Deleting blob:') expect(left).toBeLessThan(total);
      expect(danglingReferences(copy.root)).toEqual([]);
      const rerun = await ourGc(copy.config, ['--delete-untagged']);
      // The rerun also counts the directories whose data the killed run had removed, but not the directory itself.
      expect(summaryOf(rerun.stdout).blobs).toBeGreaterThanOrEqual(left - kept.size);
      expect([...blobsOf(copy.root).keys()].sort()).toEqual([...kept].sort());
      expect(danglingReferences(copy.root)).toEqual([]);
      expect(summaryOf((await ourGc(copy.config, ['--delete-untagged'])).stdout)).toMatchObject({ blobs: 0, links: 0 });
    });
  }
});
