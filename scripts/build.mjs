// Build: type-check and compile every app and lib with tsc into dist/, then make the `@app/<lib>` imports
// resolvable at run time. Node's ESM resolver ignores tsconfig `paths`, so for each lib we write
// dist/node_modules/@app/<lib>/index.js, a one-line re-export of the compiled lib entry. Node finds it by
// walking up from dist/apps/... and dist/libs/... like any package.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
rmSync(dist, { recursive: true, force: true });
execFileSync(
  process.execPath,
  [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')],
  {
    stdio: 'inherit',
  },
);
for (const lib of readdirSync(join(root, 'libs'))) {
  if (!existsSync(join(dist, 'libs', lib, 'src', 'index.js'))) continue;
  const dir = join(dist, 'node_modules', '@app', lib);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'index.js'), `export * from '../../../libs/${lib}/src/index.js';\n`);
}
