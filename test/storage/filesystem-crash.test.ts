import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir, waitFor } from '@app/testing';
import { FilesystemDriver, PathNotFoundError } from '@app/storage';
import { compileStorageLib } from './support/compile-storage-lib.js';
import { hashStream, isFilled } from './conformance-support.js';

const CHILD = fileURLToPath(new URL('./support/crash-child.mjs', import.meta.url));
const MiB = 1024 * 1024;

/** A real process running the driver, killed with SIGKILL by the test. */
class CrashChild {
  readonly lines: string[] = [];
  private readonly process: ChildProcess;
  private readonly exited: Promise<NodeJS.Signals | null>;

  constructor(driverModule: string, root: string, mode: 'put' | 'upload') {
    this.process = spawn(process.execPath, [CHILD, driverModule, root, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
    this.process
      .stdout!.setEncoding('utf8')
      .on('data', (data: string) => this.lines.push(...data.split('\n').filter(Boolean)));
    this.exited = new Promise((resolve) => this.process.once('exit', (_code, signal) => resolve(signal)));
  }

  waitForLine(line: string): Promise<true> {
    return waitFor(() => this.lines.includes(line) || undefined, { timeout: 20_000, what: `child to print "${line}"` });
  }

  async kill(): Promise<NodeJS.Signals | null> {
    this.process.kill('SIGKILL');
    return this.exited;
  }
}

describe('FilesystemDriver: a process killed (SIGKILL) mid-write', () => {
  let build: { path: string; remove(): void };
  let driverModule: string;

  beforeAll(async () => {
    // The child imports only the filesystem driver's own files, which import no package.
    build = tempDir('storage-crash-lib-');
    driverModule = await compileStorageLib(build.path);
  });
  afterAll(() => build?.remove());

  it('putContent: the file is always the old or the new content whole, and the torn temp file is hidden', async () => {
    const root = tempDir('storage-crash-put-');
    try {
      let killedMidWrite = 0;
      for (let round = 0; round < 4; round++) {
        const child = new CrashChild(driverModule, root.path, 'put');
        await child.waitForLine('put 0');
        // Kill as soon as the next replacement's temp file exists: it is being written or fsync'd.
        await waitFor(() => temps(join(root.path, 'final')).length > 0 || undefined, {
          timeout: 20_000,
          interval: 1,
          what: 'a temp file',
        });
        expect(await child.kill()).toBe('SIGKILL');
        if (temps(join(root.path, 'final')).length > 0) killedMidWrite++;

        const driver = new FilesystemDriver(root.path);
        const content = await driver.getContent('/final/data');
        expect(isFilled(content, content[0], 32 * MiB), `round ${round}: final file torn`).toBe(true);
        expect(await driver.list('/final')).toEqual(['/final/data']);
      }
      // Proof that the kills landed mid-write rather than between two replacements.
      expect(killedMidWrite).toBeGreaterThan(0);
    } finally {
      root.remove();
    }
  }, 120_000);

  it('writer: an upload killed before commit leaves no blob at the final path and resumes from its size', async () => {
    const root = tempDir('storage-crash-upload-');
    try {
      const child = new CrashChild(driverModule, root.path, 'upload');
      await child.waitForLine('chunk 3');
      expect(await child.kill()).toBe('SIGKILL');

      const driver = new FilesystemDriver(root.path);
      await expect(driver.stat('/blobs/sha256/aa/blob/data')).rejects.toBeInstanceOf(PathNotFoundError);
      const kept = (await driver.stat('/uploads/u1/data')).size;
      expect(kept).toBeGreaterThanOrEqual(4 * MiB);
      const resumed = await driver.writer('/uploads/u1/data', true);
      expect(resumed.size).toBe(kept);
      await resumed.write(Buffer.from('tail'));
      await resumed.commit();
      await driver.move('/uploads/u1/data', '/blobs/sha256/aa/blob/data');
      expect((await hashStream(await driver.reader('/blobs/sha256/aa/blob/data'))).size).toBe(kept + 4);
    } finally {
      root.remove();
    }
  }, 60_000);
});

/** putContent's temp files in `dir` (names with '~', which no driver path can have). */
function temps(dir: string): string[] {
  try {
    return readdirSync(dir).filter(
      (name) => name.includes('~') && statSync(join(dir, name), { throwIfNoEntry: false }),
    );
  } catch {
    return [];
  }
}
