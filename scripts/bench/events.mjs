// bench:events — our registry + worker + Redis (AOF, fsync always) against distribution 2.8.2 with its
// notifications, in the same run, each delivering to a fast receiver on its own thread:
//   1. latency from a manifest push's completion (the client has the 201) to the event's arrival (p50/p99);
//   2. events/s delivered to one fast endpoint: BENCH_EVENTS blob HEADs (each a `pull` event), time from
//      the first HEAD until the last event arrived (both registries are bound by their HEAD rate here);
//   3. delivery capacity: BENCH_EVENTS events made while the receiver refuses connections, then drained;
//   4. the healthy endpoint's events/s with and without a second, dead endpoint (connection refused).
// Knobs and results: docs/benchmarks.md. Loopback only, bounded loops; stops by itself.
import { Agent, request } from 'node:http';
import { Queue } from 'bullmq';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { OciLayout } from '../lib/oci-layout.mjs';
import {
  cpuSeconds,
  freePort,
  ROOT,
  startDistribution,
  startOurs,
  startRedis,
  startWorker,
  stop,
  stopAll,
  tempDir,
} from './lib/processes.mjs';
import { Receiver } from './lib/receiver.mjs';
import { copy } from './lib/skopeo.mjs';
import { percentile, median, round } from './lib/stats.mjs';
import { table, writeReport } from './lib/report.mjs';

const LAT_PUSHES = Number(process.env.BENCH_LATENCY_PUSHES ?? 300);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const DEAD_EVENTS = Number(process.env.BENCH_DEAD_EVENTS ?? 10_000);
const DEAD_REPS = Number(process.env.BENCH_DEAD_REPS ?? 10);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 16);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const SIDES = (process.env.BENCH_SIDES ?? 'ours,theirs').split(',');
const BATCH = Number(process.env.BENCH_BATCH ?? 1);
/** Our endpoints' `ordering`. `none` by default: the events all go to one repository, where `repository` (the
 *  default of the config) is one lane with one request in flight, as distribution delivers. */
const ORDERING = process.env.BENCH_ORDERING ?? 'none';
/** Our delivery capacity is also measured with batches of this many events per POST (0: not). */
const CAPACITY_BATCH = Number(process.env.BENCH_CAPACITY_BATCH ?? 100);
/** Drains measured for the batched capacity (median reported): one ~1 s drain is at the mercy of a busy host. */
const CAPACITY_REPS = Number(process.env.BENCH_CAPACITY_REPS ?? 3);
/** Our worker processes (BullMQ workers scale out: one per core is the usual deployment). */
const WORKERS = Number(process.env.BENCH_WORKERS ?? 1);
/** Measures to run (latency, throughput, backlog, dead); all by default. */
const ONLY = process.env.BENCH_ONLY?.split(',');
const want = (measure) => !ONLY || ONLY.includes(measure);
const ms = (ns) => Number(ns) / 1e6;

function http(agent, url, method, headers = {}, body) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function makeImage() {
  const layout = new OciLayout(tempDir('bench-ev-layout-'));
  const image = await layout.addImage({ layerSizes: [1024], label: 'events' });
  layout.tag(image.manifest, 'base');
  return {
    layout,
    manifest: readFileSync(layout.blobPath(image.manifest.digest)),
    mediaType: image.manifest.mediaType,
    blob: image.layers[0].digest,
  };
}

/** Sequential manifest pushes, each waiting for its event; returns latencies in ms. */
async function latency(target, receiver, image) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const latencies = [];
  const warmup = 20;
  for (let i = 0; i < warmup + LAT_PUSHES; i++) {
    const tag = `lat-${i}`;
    const status = await http(
      agent,
      `${target.url}/v2/bench/events/manifests/${tag}`,
      'PUT',
      { 'content-type': image.mediaType },
      image.manifest,
    );
    const done = process.hrtime.bigint();
    if (status !== 201) throw new Error(`${target.name}: manifest PUT answered ${status}`);
    const at = await receiver.waitTag(tag);
    if (i >= warmup) latencies.push(ms(at - done));
  }
  agent.destroy();
  return latencies;
}

/** CPU seconds used by the processes of one side (ours: registry, workers, Redis; theirs: its one process). */
function cpuMeter(run, side) {
  const pids =
    side === 'ours'
      ? {
          registry: run.ours.pid,
          ...Object.fromEntries((run.workers ?? []).map((worker, index) => [`worker ${index + 1}`, worker.pid])),
          redis: run.redis.pid,
        }
      : { registry: run.theirs.pid };
  // This process: the HEAD clients and both receivers' threads.
  pids.bench = process.pid;
  const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSeconds(pid)]));
  return () =>
    Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, round(cpuSeconds(pid) - before[name], 2)]));
}

const cpuText = (cpu) =>
  Object.entries(cpu)
    .map(([name, seconds]) => `${name} ${seconds}`)
    .join(', ');

/** `n` blob HEADs from CLIENTS keep-alive clients; resolves when the receiver has all n pull events. */
async function throughput(run, side, receiver, image, n) {
  const target = run[side];
  await receiver.reset();
  const cpu = cpuMeter(run, side);
  const arrived = receiver.waitCount('pull', n, 600_000);
  const start = process.hrtime.bigint();
  await headBurst(target, image, n);
  const headsDone = process.hrtime.bigint();
  const { at } = await arrived;
  return {
    n,
    headsPerS: n / (ms(headsDone - start) / 1000),
    drainMs: ms(at - start),
    eventsPerS: n / (ms(at - start) / 1000),
    cpu: cpu(),
  };
}

/** `n` blob HEADs from CLIENTS keep-alive clients, each answered 200. */
async function headBurst(target, image, n) {
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  const url = `${target.url}/v2/bench/events/blobs/${image.blob}`;
  let issued = 0;
  const client = async () => {
    while (issued < n) {
      issued++;
      const status = await http(agent, url, 'HEAD');
      if (status !== 200) throw new Error(`${target.name}: blob HEAD answered ${status}`);
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, client));
  agent.destroy();
}

/**
 * Delivery capacity: `n` events wait, then delivery resumes; events/s from the first to the last arrival.
 * Both sides keep running, warm, as in service. `outage` (both sides): the receiver refuses connections while
 * the events are made, then listens again: distribution's in-memory queue fills and drains; our breaker opens,
 * the events wait as jobs in the endpoint's queue, and once a probe is delivered the worker drains it. `paused` (ours): the
 * endpoint's queue is paused (BullMQ pause, as an operator would) while the events are made, so the queue
 * holds the jobs as the group commit made them. `jobs`: delivery jobs finished during the drain.
 */
async function backlog(side, run, receiver, image, n, mode = 'outage') {
  const target = run[side];
  await receiver.reset();
  const queue =
    side === 'ours'
      ? new Queue('deliver-fast', {
          connection: { host: '127.0.0.1', port: run.redis.port },
          prefix: run.ours.config.redis.prefix,
        })
      : undefined;
  if (mode === 'paused') await queue.pause();
  else await receiver.close();
  await headBurst(target, image, n);
  const resumed = process.hrtime.bigint();
  const arrived = receiver.waitCount('pull', n, 600_000);
  // CPU seconds used while draining, and (ours) the delivery jobs it took.
  const meter = cpuMeter(run, side);
  const completed = () => (queue ? queue.getCompletedCount() : 0);
  const jobsBefore = await completed();
  if (mode === 'paused') await queue.resume();
  else await receiver.listen(receiver.port);
  await arrived;
  const cpu = meter();
  const jobs = (await completed()) - jobsBefore;
  await queue?.close();
  const { first, last } = await receiver.stats();
  return {
    n,
    mode,
    eventsPerS: (n - 1) / (ms(last - first) / 1000),
    drainMs: ms(last - resumed),
    cpu,
    jobs: queue ? jobs : undefined,
  };
}

/**
 * The healthy endpoint's events/s alone and with a dead second endpoint: DEAD_REPS pairs of fresh runs per
 * registry, the two runs of a pair back to back (only that registry running), the order within a pair
 * alternating (alone first, then the dead endpoint first), each of our runs on a fresh Redis, so that neither
 * the drift of a busy machine nor what earlier runs left in Redis (memory, a growing AOF and its rewrites)
 * falls on one side only. Reported: the median run of each, and the cost pair by pair (the two runs of a
 * pair are seconds apart, the medians' may be minutes), with its median.
 */
async function deadEndpointCost(receivers, deadUrl, image) {
  const runs = { healthy: {}, withDead: {} };
  const deadJobs = [];
  for (let rep = 0; rep < DEAD_REPS; rep++) {
    for (const side of SIDES) {
      const pair = [
        ['healthy', undefined],
        ['withDead', deadUrl],
      ];
      for (const [key, dead] of rep % 2 ? pair.reverse() : pair) {
        const redis = side === 'ours' ? await startRedis() : undefined;
        const run = { ...(await startBoth(redis, `bench-${key}-${rep}`, receivers, dead, [side])), redis };
        await pushBase(run[side], image, receivers[side]);
        (runs[key][side] ??= []).push(await throughput(run, side, receivers[side], image, DEAD_EVENTS));
        if (dead && run.ours) deadJobs.push(await deadEndpointJobs(run));
        await Promise.all([stopWorkers(run.workers), stop(run.ours), stop(run.theirs)].filter(Boolean));
        if (redis) await stop(redis);
      }
    }
  }
  const summary = (key) => Object.fromEntries(SIDES.map((side) => [side, medianRun(runs[key][side])]));
  const costs = (rate) =>
    Object.fromEntries(
      SIDES.map((side) => [
        side,
        runs.healthy[side].map((alone, rep) => round((1 - rate(runs.withDead[side][rep]) / rate(alone)) * 100, 1)),
      ]),
    );
  // The bench process does the same work in every run (the HEADs, the receiver): its CPU seconds show how fast
  // the host ran then. A host s times slower divides the rate by s and multiplies them by s; their product
  // keeps only what the dead endpoint itself costs.
  const paced = (run) => run.eventsPerS * run.cpu.bench;
  return {
    healthy: summary('healthy'),
    withDead: summary('withDead'),
    pairCosts: costs((run) => run.eventsPerS),
    pacedPairCosts: costs(paced),
    deadJobs,
  };
}

/** What our dead endpoint holds at the end of a run: jobs in its queue. */
async function deadEndpointJobs(run) {
  const connection = { host: '127.0.0.1', port: run.redis.port };
  const prefix = run.ours.config.redis.prefix;
  const { QueueNames } = await import(pathToFileURL(join(ROOT, 'dist', 'node_modules/@app/queue/index.js')).href);
  const queue = new Queue(QueueNames.delivery('dead'), { connection, prefix });
  const counts = await queue.getJobCounts('wait', 'prioritized', 'delayed', 'active');
  await queue.close();
  return { queued: Object.values(counts).reduce((sum, count) => sum + count, 0) };
}

/** The run with the median events/s, with every run's events/s in `runs` (in the order they ran). */
function medianRun(list) {
  const sorted = [...list].sort((a, b) => a.eventsPerS - b.eventsPerS);
  return { ...sorted[Math.floor(sorted.length / 2)], runs: list.map((item) => round(item.eventsPerS, 0)) };
}

function startWorkers(configPath) {
  return Promise.all(Array.from({ length: WORKERS }, () => startWorker(configPath)));
}

function stopWorkers(workers = []) {
  return Promise.all(workers.map((worker) => stop(worker)));
}

/** distribution's retry settings (theirEndpoint) on both sides: 3 immediate retries, then one a second. */
function ourEndpoint(name, url, batch = BATCH) {
  const batching = batch > 1 ? { batch: { size: batch, wait: '5ms' } } : {};
  return {
    name,
    url,
    timeout: '1s',
    threshold: 3,
    backoff: '1s',
    concurrency: CONCURRENCY,
    ordering: ORDERING,
    ...batching,
  };
}

function theirEndpoint(name, url) {
  return { name, url, timeout: '1s', threshold: 3, backoff: '1s' };
}

/** Starts both sides with `endpoints(receiverUrl)` as the endpoint list. */
async function startBoth(redis, prefix, receivers, deadUrl, sides = SIDES) {
  const run = {};
  if (sides.includes('ours')) Object.assign(run, await startOurSide(redis, prefix, receivers, deadUrl));
  if (sides.includes('theirs')) {
    const theirs = await startDistribution({
      notifications: {
        endpoints: [theirEndpoint('fast', receivers.theirs.url), ...(deadUrl ? [theirEndpoint('dead', deadUrl)] : [])],
      },
    });
    run.theirs = { ...theirs, name: 'distribution' };
  }
  return run;
}

async function startOurSide(redis, prefix, receivers, deadUrl, batch = BATCH) {
  const ours = await startOurs({
    // The blob-descriptor cache distribution runs with here (startDistribution): the same config on both sides.
    storage: { cache: { blobdescriptor: 'inmemory' } },
    redis: { addr: redis.addr, prefix },
    notifications: {
      endpoints: [
        ourEndpoint('fast', receivers.ours.url, batch),
        ...(deadUrl ? [ourEndpoint('dead', deadUrl, batch)] : []),
      ],
    },
  });
  const workers = await startWorkers(ours.configPath);
  return { ours: { ...ours, name: 'ours' }, workers };
}

async function pushBase(target, image, receiver) {
  await copy(`oci:${image.layout.dir}:base`, `docker://${target.addr}/bench/events:base`);
  await receiver.waitTag('base', 30_000);
}

async function main() {
  const redis = await startRedis();
  const receivers = { ours: new Receiver(), theirs: new Receiver() };
  await receivers.ours.listen();
  await receivers.theirs.listen();
  const deadUrl = `http://127.0.0.1:${await freePort()}/events`;
  const image = await makeImage();
  const result = { latency: {}, throughput: {}, backlog: {}, healthy: {}, withDead: {} };

  let run = { ...(await startBoth(redis, 'bench-a', receivers)), redis };
  for (const side of SIDES) {
    await pushBase(run[side], image, receivers[side]);
    if (want('latency')) result.latency[side] = await latency(run[side], receivers[side], image);
    if (want('throughput')) result.throughput[side] = await throughput(run, side, receivers[side], image, EVENTS);
    if (want('backlog')) result.backlog[side] = await backlog(side, run, receivers[side], image, EVENTS);
    process.stderr.write(
      `${side}: ${JSON.stringify({ p50: result.latency[side] && round(percentile(result.latency[side], 50)), live: result.throughput[side]?.eventsPerS, backlog: result.backlog[side]?.eventsPerS })}\n`,
    );
  }
  // Distribution stays up, warm, for the batched capacity's drains below.
  await Promise.all([stopWorkers(run.workers), stop(run.ours)].filter(Boolean));

  if (want('backlog') && SIDES.includes('ours') && CAPACITY_BATCH > 1 && CAPACITY_BATCH !== BATCH) {
    const batched = {
      ...(await startOurSide(redis, 'bench-c', receivers, undefined, CAPACITY_BATCH)),
      redis,
      theirs: run.theirs,
    };
    await pushBase(batched.ours, image, receivers.ours);
    // A fresh worker: one drain first, as the one-event-per-POST figure had the earlier measures to warm it.
    await backlog('ours', batched, receivers.ours, image, Math.min(EVENTS, 10_000));
    // Distribution's drains interleave with ours (the order rotating), so that a host whose speed swings
    // from minute to minute weighs on both sides of the ratio alike.
    const drains = { ours: [], paused: [], theirs: [] };
    const kinds = [
      ['ours', 'ours', 'outage'],
      ...(SIDES.includes('theirs') ? [['theirs', 'theirs', 'outage']] : []),
      ['paused', 'ours', 'paused'],
    ];
    for (let rep = 0; rep < CAPACITY_REPS; rep++) {
      for (const [key, side, mode] of [...kinds.slice(rep % kinds.length), ...kinds.slice(0, rep % kinds.length)]) {
        drains[key].push(await backlog(side, batched, receivers[side], image, EVENTS, mode));
      }
    }
    result.backlogBatched = medianRun(drains.ours);
    result.backlogBatchedPaused = medianRun(drains.paused);
    if (drains.theirs.length) {
      result.backlogBatchedTheirs = medianRun(drains.theirs);
      result.backlogBatchedPairs = drains.ours.map((ours, rep) =>
        round(ours.eventsPerS / drains.theirs[rep].eventsPerS, 2),
      );
    }
    await Promise.all([stopWorkers(batched.workers), stop(batched.ours)]);
  }
  await stop(run.theirs);
  if (want('dead')) Object.assign(result, await deadEndpointCost(receivers, deadUrl, image));
  await Promise.all([receivers.ours.terminate(), receivers.theirs.terminate()]);
  report(result);
}

function report(result) {
  const sides = SIDES;
  const names = { ours: 'ours (registry + worker + Redis AOF always)', theirs: 'distribution 2.8.2' };
  const lat = (side, p) => round(percentile(result.latency[side], p), 2);
  const cost = (side) => round((1 - result.withDead[side].eventsPerS / result.healthy[side].eventsPerS) * 100, 1);
  const ratio = (measure) =>
    sides.length === 2 ? round(result[measure].ours.eventsPerS / result[measure].theirs.eventsPerS, 2) : 'n/a';
  const section = (measure, lines) => (want(measure) ? [...lines(), ''] : []);
  const batching = `${BATCH > 1 ? `batches of up to ${BATCH} events per POST` : 'one event per POST'}, ${WORKERS} worker process${WORKERS > 1 ? 'es' : ''}`;
  const markdown = [
    `## bench:events (loopback; our endpoint concurrency ${CONCURRENCY}, ordering ${ORDERING}, ${batching}; distribution one event per POST)`,
    '',
    ...section('latency', () => [
      `Latency, manifest push completed (201 received) → event at the receiver, ${LAT_PUSHES} sequential pushes:`,
      '',
      table(
        ['registry', 'p50 (ms)', 'p99 (ms)', 'median (ms)', 'max (ms)'],
        sides.map((s) => [names[s], lat(s, 50), lat(s, 99), round(median(result.latency[s]), 2), lat(s, 100)]),
      ),
    ]),
    ...section('throughput', () => [
      `Delivery to one fast endpoint: ${EVENTS} blob HEADs from ${CLIENTS} clients, each a \`pull\` event; from the first HEAD to the last event received:`,
      '',
      table(
        ['registry', 'HEAD/s', 'time to drain (ms)', 'events/s delivered', 'CPU seconds'],
        sides.map((s) => [
          names[s],
          round(result.throughput[s].headsPerS, 0),
          round(result.throughput[s].drainMs, 0),
          round(result.throughput[s].eventsPerS, 0),
          cpuText(result.throughput[s].cpu),
        ]),
      ),
      '',
      `Ratio ours/distribution, events/s: ${ratio('throughput')}`,
    ]),
    ...section('backlog', () => [
      `Delivery capacity: ${EVENTS} events made while the receiver refuses connections (distribution queues them in memory; ours keeps them as jobs in the endpoint's queue, its breaker open), then the receiver listens again; events/s from the first to the last arrival:`,
      '',
      table(
        [
          'registry',
          'events/s delivered',
          'receiver back → last event (ms)',
          'CPU seconds while draining',
          'delivery jobs finished',
        ],
        sides.map((s) => [
          names[s],
          round(result.backlog[s].eventsPerS, 0),
          round(result.backlog[s].drainMs, 0),
          cpuText(result.backlog[s].cpu),
          result.backlog[s].jobs ?? '—',
        ]),
      ),
      '',
      `Ratio ours/distribution, backlog events/s: ${ratio('backlog')}`,
      ...(result.backlogBatched
        ? [
            '',
            `Ours with batches of up to ${CAPACITY_BATCH} events per POST (\`batch.size\`; distribution has no batching), the same outage, median of ${CAPACITY_REPS} drains [${result.backlogBatched.runs.join(', ')}]: ${round(result.backlogBatched.eventsPerS, 0)} events/s, ${result.backlogBatched.jobs} delivery jobs finished, CPU seconds ${cpuText(result.backlogBatched.cpu)}.`,
            '',
            `Ours batched with its queue paused instead (the jobs as the group commit made them), median of ${CAPACITY_REPS} drains [${result.backlogBatchedPaused.runs.join(', ')}]: ${round(result.backlogBatchedPaused.eventsPerS, 0)} events/s, ${round(result.backlogBatchedPaused.n / result.backlogBatchedPaused.jobs, 1)} events per delivery job.`,
            ...(result.backlogBatchedTheirs
              ? [
                  '',
                  `Distribution's drains interleaved with those (order rotating): median ${round(result.backlogBatchedTheirs.eventsPerS, 0)} events/s [${result.backlogBatchedTheirs.runs.join(', ')}]. Ratio ours batched/distribution, the same outage: **${round(result.backlogBatched.eventsPerS / result.backlogBatchedTheirs.eventsPerS, 2)}** (medians); drain by drain [${result.backlogBatchedPairs.join(', ')}]. Ours paused/distribution: ${round(result.backlogBatchedPaused.eventsPerS / result.backlogBatchedTheirs.eventsPerS, 2)} (medians).`,
                ]
              : []),
          ]
        : []),
    ]),
    ...section('dead', () => [
      `Healthy endpoint's events/s with and without a dead second endpoint (connection refused), ${DEAD_EVENTS} events, median of ${DEAD_REPS} fresh runs each (all runs in brackets):`,
      '',
      table(
        [
          'registry',
          'alone (events/s)',
          'with a dead endpoint (events/s)',
          'cost (medians)',
          'cost pair by pair (median)',
          'CPU seconds alone',
          'CPU seconds with a dead endpoint',
        ],
        sides.map((s) => [
          names[s],
          `${round(result.healthy[s].eventsPerS, 0)} [${result.healthy[s].runs.join(', ')}]`,
          `${round(result.withDead[s].eventsPerS, 0)} [${result.withDead[s].runs.join(', ')}]`,
          `${cost(s)} %`,
          `[${result.pairCosts[s].join(', ')}] %: **${round(median(result.pairCosts[s]), 1)} %**`,
          cpuText(result.healthy[s].cpu),
          cpuText(result.withDead[s].cpu),
        ]),
      ),
      '',
      `The same pairs with the host's pace taken out (each run's rate times the bench process's CPU seconds, the same work in every run), pair by pair: ${sides.map((s) => `${s === 'ours' ? 'ours' : 'distribution'} [${result.pacedPairCosts[s].join(', ')}] %, median **${round(median(result.pacedPairCosts[s]), 1)} %**`).join('; ')}.`,
      ...(result.deadJobs?.length
        ? [
            '',
            `Our dead endpoint at the end of each run, jobs queued (its breaker open): ${result.deadJobs.map(({ queued }) => queued).join(', ')}.`,
          ]
        : []),
    ]),
  ].join('\n');
  writeReport(
    'events',
    {
      ...result,
      settings: {
        ORDERING,
        LAT_PUSHES,
        EVENTS,
        DEAD_EVENTS,
        DEAD_REPS,
        CLIENTS,
        CONCURRENCY,
        BATCH,
        CAPACITY_BATCH,
        CAPACITY_REPS,
        WORKERS,
        ONLY,
      },
    },
    markdown,
  );
}

main()
  .catch((error) => {
    process.stderr.write(`bench:events failed: ${error.stack ?? error}\n`);
    process.exitCode = 1;
  })
  .finally(() => stopAll().then(() => process.exit()));
