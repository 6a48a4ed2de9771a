// npm run bench: bench:registry then bench:events, then bench-report/report.md joins their reports.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPORT_DIR } from './lib/report.mjs';
import { ROOT } from './lib/processes.mjs';

const parts = [];
let failed = false;
mkdirSync(REPORT_DIR, { recursive: true });
for (const name of ['registry', 'events']) {
  rmSync(join(REPORT_DIR, `${name}.md`), { force: true });
  try {
    execFileSync(process.execPath, [join(ROOT, 'scripts/bench', `${name}.mjs`)], { stdio: 'inherit' });
  } catch {
    failed = true;
  }
  const file = join(REPORT_DIR, `${name}.md`);
  if (existsSync(file)) parts.push(readFileSync(file, 'utf8'));
}
const report = [`# Benchmarks (${new Date().toISOString()})`, '', ...parts].join('\n');
writeFileSync(join(REPORT_DIR, 'report.md'), report);
process.stdout.write(`\n=====\n${report}\nwritten to ${join(REPORT_DIR, 'report.md')}\n`);
process.exit(failed ? 1 : 0);
