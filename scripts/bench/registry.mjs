// bench:registry — push and pull, with skopeo, an image with a 100 MiB layer and 50 small images, against
// our registry and distribution 2.8.2 in the same run (alternating which goes first), several repetitions
// with fresh content each (so no blob is ever already there); medians and the ratio ours/theirs. Then
// each registry's peak RSS during a streamed 1 GiB blob upload. Loopback only; stops by itself.
import { rmSync } from 'node:fs';
import { startDistribution, startOurs, startRedis, stopAll } from './lib/processes.mjs';
import { buildLayout, peakRss, runScenarios, scenarioNames } from './lib/scenarios.mjs';
import { median, MiB, round } from './lib/stats.mjs';
import { table, writeReport } from './lib/report.mjs';

const REPS = Number(process.env.BENCH_REPS ?? 3);
const SMALL = Number(process.env.BENCH_SMALL_IMAGES ?? 50);
const BIG = Number(process.env.BENCH_BIG_MIB ?? 100) * MiB;
const RSS_BLOB = Number(process.env.BENCH_RSS_MIB ?? 1024) * MiB;
const SCENARIOS = scenarioNames(BIG, SMALL);

async function main() {
  const redis = await startRedis();
  const ours = await startOurs({ redis: { addr: redis.addr, prefix: 'bench' } });
  const theirs = await startDistribution();
  const times = { ours: SCENARIOS.map(() => []), theirs: SCENARIOS.map(() => []) };
  for (let rep = 0; rep < REPS; rep++) {
    const layout = await buildLayout(rep, BIG, SMALL);
    const order = rep % 2 === 0 ? ['ours', 'theirs'] : ['theirs', 'ours'];
    for (const name of order) {
      const result = await runScenarios(name === 'ours' ? ours : theirs, layout, rep, SMALL);
      result.forEach((ms, i) => times[name][i].push(ms));
      process.stderr.write(`rep ${rep + 1}/${REPS} ${name}: ${result.map((ms) => Math.round(ms)).join(' / ')} ms\n`);
    }
    rmSync(layout.dir, { recursive: true, force: true });
  }
  const rss = { ours: await peakRss(ours, RSS_BLOB), theirs: await peakRss(theirs, RSS_BLOB) };
  report(times, rss);
}

function report(times, rss) {
  const rows = SCENARIOS.map((scenario, i) => {
    const [a, b] = [median(times.ours[i]), median(times.theirs[i])];
    return { scenario, oursMs: round(a, 0), theirsMs: round(b, 0), ratio: round(a / b, 2) };
  });
  const mib = (bytes) => round(bytes / MiB, 1);
  const rssRows = Object.entries(rss).map(([name, r]) => [
    name === 'ours' ? 'ours' : 'distribution 2.8.2',
    mib(r.before),
    mib(r.peakSampled),
    mib(r.hwm),
    round(r.mibPerS, 0),
  ]);
  const markdown = [
    `## bench:registry (skopeo, loopback, ${REPS} repetitions, medians)`,
    '',
    table(
      ['scenario', 'ours (ms)', 'distribution 2.8.2 (ms)', 'ratio ours/theirs'],
      rows.map((r) => [r.scenario, r.oursMs, r.theirsMs, r.ratio]),
    ),
    '',
    `Memory during one streamed ${RSS_BLOB / MiB} MiB blob upload (POST, one PATCH, PUT ?digest=):`,
    '',
    table(
      ['registry', 'RSS before (MiB)', 'peak RSS sampled (MiB)', 'VmHWM since start (MiB)', 'upload MiB/s'],
      rssRows,
    ),
    '',
  ].join('\n');
  writeReport('registry', { reps: REPS, small: SMALL, bigBytes: BIG, rows, times, rss }, markdown);
}

main()
  .catch((error) => {
    process.stderr.write(`bench:registry failed: ${error.stack ?? error}\n`);
    process.exitCode = 1;
  })
  .finally(() => stopAll());
