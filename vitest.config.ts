import { defineConfig } from 'vitest/config';
import swc from 'unplugin-swc';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const lib = (name: string) => fileURLToPath(new URL(`./libs/${name}/src/index.ts`, import.meta.url));
const libs = readdirSync(fileURLToPath(new URL('./libs', import.meta.url)));

// SWC compiles the tests so that Nest's decorator metadata (emitDecoratorMetadata) is present, as tsc emits it.
// Two projects: `unit`, the specs beside the code (`npm run test:unit`, no build needed), and `integration`,
// the suites under test/ (real Redis, SMTP, HTTP, skopeo; some run the built apps). `vitest run` runs both.
export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' } })],
  resolve: { alias: Object.fromEntries(libs.map((name) => [`@app/${name}`, lib(name)])) },
  test: {
    projects: [
      { extends: true, test: { name: 'unit', include: ['apps/**/*.spec.ts', 'libs/**/*.spec.ts'] } },
      { extends: true, test: { name: 'integration', include: ['test/**/*.test.ts'] } },
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    setupFiles: ['reflect-metadata'],
  },
});
