// bench:gc — offline mark and sweep of 1,000 manifests and 10,000 blobs on filesystem storage, ours and
// distribution 2.8.2's `docker-registry garbage-collect --delete-untagged`, each on its own copy of the same
// tree, the side that goes first alternating; medians. Then the online collector's cost to concurrent pushes:
// pushes per second with storage.gc looping (interval 100ms) against the same registry set-up without it.
import { spawnSync } from 'node:child_process';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TreeBuilder } from '../lib/registry-tree.mjs';
import { DISTRIBUTION, ROOT, startOurs, startRedis, stopAll, tempDir } from './lib/processes.mjs';
import { median, round } from './lib/stats.mjs';
import { table, writeReport } from './lib/report.mjs';
import { pushImages } from './lib/push.mjs';

const REPS = Number(process.env.BENCH_REPS ?? 3);
const MANIFESTS = Number(process.env.BENCH_GC_MANIFESTS ?? 1000);
const LAYERS = Number(process.env.BENCH_GC_LAYERS ?? 8);
const PUSHES = Number(process.env.BENCH_GC_PUSHES ?? 300);
const MAIN = join(ROOT, 'dist/apps/registry/src/main.js');

/** MANIFESTS images of LAYERS layers and a config each (10,000 blobs by default), a third of them untagged. */
function buildTree(dir) {
  const tree = new TreeBuilder(dir);
  const shared = tree.blob('shared layer');
  for (let i = 0; i < MANIFESTS; i++) {
    const layers = [shared];
    for (let j = 1; j < LAYERS; j++) layers.push(tree.blob(`layer ${i} ${j}`));
    tree.image(`bench/repo${i % 10}`, `image ${i}`, layers, i % 3 ? `v${i}` : undefined);
  }
  return dir;
}

function timed(command, args) {
  const started = performance.now();
  const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')}: ${result.stderr}`);
  return performance.now() - started;
}

function collectOnce(base, side, rep) {
  const root = tempDir(`bench-gc-${side}-${rep}-`);
  cpSync(base, root, { recursive: true });
  const config = join(tempDir('bench-gc-cfg-'), 'config.yml');
  writeFileSync(config, `version: 0.1\nstorage: {filesystem: {rootdirectory: ${root}}}\n`);
  const ms =
    side === 'ours'
      ? timed(process.execPath, [MAIN, 'garbage-collect', config, '--delete-untagged'])
      : timed(DISTRIBUTION, ['garbage-collect', '--delete-untagged', config]);
  rmSync(root, { recursive: true, force: true });
  return ms;
}

async function offline() {
  const base = buildTree(join(tempDir('bench-gc-tree-'), 'root'));
  const times = { ours: [], distribution: [] };
  for (let rep = 0; rep < REPS; rep++) {
    const order = rep % 2 ? ['distribution', 'ours'] : ['ours', 'distribution'];
    for (const side of order) times[side].push(collectOnce(base, side, rep));
  }
  return { ours: median(times.ours), distribution: median(times.distribution), times };
}

/** Pushes per second against our registry, with or without the online collector looping. */
async function pushRate(redis, gc) {
  const storage = gc ? { gc: { enabled: true, interval: '100ms', graceperiod: '1h' } } : {};
  const registry = await startOurs({ redis, storage });
  const ms = await pushImages(registry.url, PUSHES);
  registry.child.kill('SIGTERM');
  await registry.exited;
  return (PUSHES * 1000) / ms;
}

async function online() {
  const redis = await startRedis();
  const rates = { off: [], on: [] };
  for (let rep = 0; rep < REPS; rep++) {
    const order = rep % 2 ? [true, false] : [false, true];
    for (const gc of order) rates[gc ? 'on' : 'off'].push(await pushRate({ addr: redis.addr, prefix: `gc${rep}` }, gc));
  }
  return { off: median(rates.off), on: median(rates.on), rates };
}

async function main() {
  const sweep = await offline();
  const pushes = await online();
  await stopAll();
  const command = `${process.env.BENCH_REPS ? `BENCH_REPS=${REPS} ` : ''}npm run bench:gc`;
  const rows = [
    [
      `garbage-collect -m, ${MANIFESTS} manifests, ${MANIFESTS * (LAYERS + 2)} blobs`,
      `${round(sweep.ours, 0)} ms`,
      `${round(sweep.distribution, 0)} ms`,
      round(sweep.ours / sweep.distribution),
    ],
    [
      `pushes/s with storage.gc looping (vs off: ${round(pushes.off, 1)}/s)`,
      `${round(pushes.on, 1)}/s`,
      '—',
      `${round(pushes.on / pushes.off)} of off`,
    ],
  ];
  const markdown = `## bench:gc (${command})\n\n${table(['measure', 'ours', 'distribution 2.8.2', 'ratio'], rows)}\n`;
  writeReport('gc', { sweep, pushes, reps: REPS }, markdown);
}

main().catch(async (error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  await stopAll();
  process.exit(1);
});
