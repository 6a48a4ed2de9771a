// bench:storage — the object-store drivers on a local Ceph (micro-ceph.sh of the test support: one mon, one
// bluestore OSD on a sparse file, radosgw): push and pull with skopeo of an image with a 100 MiB layer and of 50
// small images, on s3 against the RGW, ours and distribution 2.8.2's own s3 driver (each its own bucket) in the
// same run, alternating which goes first, fresh content each repetition; the same for rados against the
// filesystem driver. Then our registry's peak RSS during a streamed 1 GiB push on s3 (distribution's too).
//   BENCH_REPS (default 3), BENCH_SMALL_IMAGES (50), BENCH_BIG_MIB (100), BENCH_RSS_MIB (1024),
//   BENCH_SIDES=ours-s3,distribution-s3,ours-rados,ours-filesystem
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { ROOT, startDistribution, startOurs, stopAll } from './lib/processes.mjs';
import { buildLayout, peakRss, runScenarios, scenarioNames } from './lib/scenarios.mjs';
import { median, MiB, round } from './lib/stats.mjs';
import { table, writeReport } from './lib/report.mjs';

const REPS = Number(process.env.BENCH_REPS ?? 3);
const SMALL = Number(process.env.BENCH_SMALL_IMAGES ?? 50);
const BIG = Number(process.env.BENCH_BIG_MIB ?? 100) * MiB;
const RSS_BLOB = Number(process.env.BENCH_RSS_MIB ?? 1024) * MiB;
const SIDES = (process.env.BENCH_SIDES ?? 'ours-s3,distribution-s3,ours-rados,ours-filesystem').split(',');
const SCENARIOS = scenarioNames(BIG, SMALL);
const SCRIPT = join(ROOT, 'libs/testing/ceph/micro-ceph.sh');
/** distribution runs with the inmemory blob-descriptor cache (processes.mjs); ours too, for the same work. */
const SAME_CACHE = { cache: { blobdescriptor: 'inmemory' } };
const NAMES = {
  'ours-s3': 'ours, s3',
  'distribution-s3': 'distribution 2.8.2, s3',
  'ours-rados': 'ours, rados',
  'ours-filesystem': 'ours, filesystem',
};

/** A Ceph of the bench's own: bluestore on a sparse file, so that the data is on disk, not in the OSD's RAM. */
function startCeph() {
  const dir = mkdtempSync('/tmp/mceph-bench-');
  rmSync(dir, { recursive: true });
  const env = { ...process.env, MICRO_CEPH_STORE: 'bluestore', MICRO_CEPH_OSD_BYTES: String(24 * 1024 ** 3) };
  execFileSync('bash', [SCRIPT, 'start', dir], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const values = Object.fromEntries(
    readFileSync(join(dir, 's3.env'), 'utf8')
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  return { dir, values, stop: () => execFileSync('bash', [SCRIPT, 'stop', dir], { stdio: 'ignore' }) };
}

async function createBucket(values, bucket) {
  const client = new S3Client({
    endpoint: values.S3_ENDPOINT,
    region: values.S3_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: values.S3_ACCESS_KEY, secretAccessKey: values.S3_SECRET_KEY },
  });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  client.destroy();
}

/** storage.s3 as both registries take it (distribution 2.8 forces path style when regionendpoint is set). */
function s3(values, bucket) {
  return {
    accesskey: values.S3_ACCESS_KEY,
    secretkey: values.S3_SECRET_KEY,
    region: values.S3_REGION,
    regionendpoint: values.S3_ENDPOINT,
    bucket,
    secure: false,
    v4auth: true,
  };
}

async function startSide(side, ceph) {
  const { values } = ceph;
  if (side === 'ours-s3') {
    await createBucket(values, 'ours');
    return startOurs({ driver: { s3: s3(values, 'ours') }, storage: SAME_CACHE });
  }
  if (side === 'distribution-s3') {
    await createBucket(values, 'theirs');
    return startDistribution({ driver: { s3: s3(values, 'theirs') } });
  }
  if (side === 'ours-rados') {
    execFileSync('ceph', ['-c', values.CEPH_CONF, 'osd', 'pool', 'create', 'registry', '8'], { stdio: 'ignore' });
    return startOurs({ driver: { rados: { poolname: 'registry', conffile: values.CEPH_CONF } }, storage: SAME_CACHE });
  }
  return startOurs({ storage: SAME_CACHE });
}

async function main(ceph) {
  const targets = [];
  for (const side of SIDES) targets.push({ side, target: await startSide(side, ceph), times: SCENARIOS.map(() => []) });
  for (let rep = 0; rep < REPS; rep++) {
    const layout = await buildLayout(rep, BIG, SMALL);
    for (let k = 0; k < targets.length; k++) {
      const side = targets[(k + rep) % targets.length];
      const result = await runScenarios(side.target, layout, rep, SMALL);
      result.forEach((ms, i) => side.times[i].push(ms));
      process.stderr.write(
        `rep ${rep + 1}/${REPS} ${side.side}: ${result.map((ms) => Math.round(ms)).join(' / ')} ms\n`,
      );
    }
    rmSync(layout.dir, { recursive: true, force: true });
  }
  const rss = [];
  for (const side of targets.filter((t) => t.side.endsWith('-s3')))
    rss.push([side.side, await peakRss(side.target, RSS_BLOB)]);
  report(targets, rss);
}

function report(targets, rss) {
  const of = (side) => targets.find((t) => t.side === side);
  const ratio = (a, b, i) => (a && b ? round(median(a.times[i]) / median(b.times[i]), 2) : '—');
  const rows = SCENARIOS.map((scenario, i) => [
    scenario,
    ...targets.map((t) => round(median(t.times[i]), 0)),
    ratio(of('ours-s3'), of('distribution-s3'), i),
    ratio(of('ours-rados'), of('ours-filesystem'), i),
  ]);
  const mib = (bytes) => round(bytes / MiB, 1);
  const markdown = [
    `## bench:storage (skopeo, loopback, local Ceph 16 bluestore, ${REPS} repetitions, medians in ms)`,
    '',
    table(
      ['scenario', ...targets.map((t) => NAMES[t.side]), 'ours/distribution on s3', 'rados/filesystem (ours)'],
      rows,
    ),
    '',
    `Memory during one streamed ${RSS_BLOB / MiB} MiB blob upload on s3 (POST, one PATCH, PUT ?digest=):`,
    '',
    table(
      ['registry', 'RSS before (MiB)', 'peak RSS sampled (MiB)', 'VmHWM since start (MiB)', 'upload MiB/s'],
      rss.map(([side, r]) => [NAMES[side], mib(r.before), mib(r.peakSampled), mib(r.hwm), round(r.mibPerS, 0)]),
    ),
    '',
  ].join('\n');
  const times = Object.fromEntries(targets.map((t) => [t.side, t.times]));
  writeReport('storage', { reps: REPS, small: SMALL, bigBytes: BIG, scenarios: SCENARIOS, times, rss }, markdown);
}

const ceph = startCeph();
// Also on Ctrl-C (processes.mjs stops the registries and exits): the cluster goes with the bench.
process.once('exit', () => ceph.stop());
main(ceph)
  .catch((error) => {
    process.stderr.write(`bench:storage failed: ${error.stack ?? error}\n`);
    process.exitCode = 1;
  })
  .finally(() => stopAll());
