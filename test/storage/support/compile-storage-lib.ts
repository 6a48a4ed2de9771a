import { transformFile } from '@swc/core';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCE = fileURLToPath(new URL('../../../libs/storage/src/', import.meta.url));

/**
 * Compiles libs/storage/src to plain ESM in `outDir` (with SWC, as vitest does), so that a child process
 * can run the real driver without a full build. Returns the file URL of the compiled filesystem driver.
 */
export async function compileStorageLib(outDir: string): Promise<string> {
  for (const name of readdirSync(SOURCE)) {
    if (!name.endsWith('.ts') || name.endsWith('.spec.ts')) continue;
    const { code } = await transformFile(join(SOURCE, name), {
      jsc: {
        parser: { syntax: 'typescript', decorators: true },
        target: 'es2022',
        transform: { legacyDecorator: true, decoratorMetadata: true },
      },
      module: { type: 'es6' },
      sourceMaps: false,
    });
    writeFileSync(join(outDir, name.replace(/\.ts$/, '.js')), code);
  }
  return new URL(`file://${join(outDir, 'filesystem.driver.js')}`).href;
}
