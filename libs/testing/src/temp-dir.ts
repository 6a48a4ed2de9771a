import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh temporary folder; `remove()` deletes it. */
export function tempDir(prefix = 'registry-test-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * A list of cleanups run after each test, last added first, each even when an earlier one throws (so one
 * stuck process never leaves the others running). Call at the top of a test file; push in the tests.
 */
export function cleanupAfterEach(afterEach: (fn: () => Promise<void>) => void): (() => Promise<unknown> | void)[] {
  const cleanups: (() => Promise<unknown> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch {
        // keep cleaning up the rest
      }
    }
  });
  return cleanups;
}
