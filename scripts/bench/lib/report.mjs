// Each benchmark writes bench-report/<name>.json and <name>.md; run.mjs joins them into report.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './processes.mjs';

export const REPORT_DIR = join(ROOT, 'bench-report');

export function writeReport(name, data, markdown) {
  mkdirSync(REPORT_DIR, { recursive: true });
  writeFileSync(join(REPORT_DIR, `${name}.json`), JSON.stringify({ ...data, at: new Date().toISOString() }, null, 2));
  writeFileSync(join(REPORT_DIR, `${name}.md`), markdown);
  process.stdout.write(`\n${markdown}\n`);
}

/** A Markdown table from a header row and rows. */
export function table(header, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
