// bench:worker — the worker's delivery pipeline alone, in this process, against a Redis of its own (AOF,
// fsync per BENCH_FSYNC) and a fast receiver on its own thread: BENCH_EVENTS events are queued in jobs of K
// events (what the registry's group commit makes: about 5 under 16 busy clients), then the pipeline starts
// and drains them. Gives events/s and this process's CPU per event (the receiver thread included) for each
// job size and `batch.size` (after one unmeasured warm-up drain each), so that the cost per job and per event
// can be told apart. Run `npm run build` first.
//   BENCH_EVENTS (30000), BENCH_JOB_SIZES (1,5,20), BENCH_BATCHES (1,100), BENCH_CONCURRENCY (16),
//   BENCH_PROFILE=DIR (a V8 CPU profile of each measured drain, this process's main thread only)
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { cpuSeconds, ROOT, startRedis, stopAll } from './lib/processes.mjs';
import { Receiver } from './lib/receiver.mjs';
import { round } from './lib/stats.mjs';
import { table, writeReport } from './lib/report.mjs';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 30_000);
const JOB_SIZES = (process.env.BENCH_JOB_SIZES ?? '1,5,20').split(',').map(Number);
const BATCHES = (process.env.BENCH_BATCHES ?? '1,100').split(',').map(Number);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const PROFILE = process.env.BENCH_PROFILE;
let drains = 0;

/** Profiles what `run` does when BENCH_PROFILE is set, into `${name}.cpuprofile`. */
async function profiled(name, run) {
  if (!PROFILE) return run();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await run();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    mkdirSync(PROFILE, { recursive: true });
    writeFileSync(join(PROFILE, `${name}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  }
}

const load = (path) => import(pathToFileURL(join(ROOT, 'dist', path)).href);
const { fromObject } = await load('node_modules/@app/config/index.js');
const { addDeliveryJob, QueueNames } = await load('node_modules/@app/queue/index.js');
const { DeliveryAlerts } = await load('node_modules/@app/mail/index.js');
const { DeliveryPipeline } = await load('apps/worker/src/delivery/delivery-pipeline.js');

/** A blob `pull` event as the registry makes it. */
function pullEvent() {
  const digest = `sha256:${'ab'.repeat(32)}`;
  return {
    id: randomUUID(),
    timestamp: new Date().toISOString().replace('Z', '000000Z'),
    action: 'pull',
    target: {
      mediaType: 'application/octet-stream',
      size: 1024,
      digest,
      length: 1024,
      repository: 'bench/events',
      url: `http://127.0.0.1:5000/v2/bench/events/blobs/${digest}`,
    },
    request: { id: randomUUID(), addr: '127.0.0.1:40000', host: '127.0.0.1:5000', method: 'HEAD', useragent: 'bench' },
    actor: {},
    source: { addr: 'bench:5000', instanceID: 'bench-instance' },
  };
}

async function drain(redis, receiver, jobSize, batch, events = EVENTS, measured = true) {
  const prefix = `bench-worker-${randomUUID().slice(0, 8)}`;
  const config = fromObject({
    version: '0.1',
    storage: { inmemory: {} },
    redis: { addr: redis.addr, prefix },
    notifications: {
      endpoints: [
        {
          name: 'fast',
          url: receiver.url,
          concurrency: CONCURRENCY,
          // Every event goes to one repository: `repository` ordering would be one lane, one request in flight.
          ordering: process.env.BENCH_ORDERING ?? 'none',
          ...(batch > 1 ? { batch: { size: batch, wait: '5ms' } } : {}),
        },
      ],
    },
  });
  const client = new Redis({ host: '127.0.0.1', port: redis.port });
  const queue = new Queue(QueueNames.delivery('fast'), { connection: client, prefix });
  for (let queued = 0; queued < events; queued += jobSize) {
    await addDeliveryJob(queue, Array.from({ length: Math.min(jobSize, events - queued) }, pullEvent));
  }
  await receiver.reset();
  const arrived = receiver.waitCount('pull', events, 600_000);
  const pipeline = new DeliveryPipeline(config, new DeliveryAlerts(), pino({ level: 'silent' }));
  await client.config('RESETSTAT');
  const cpu = process.cpuUsage();
  const redisCpu = cpuSeconds(redis.pid);
  const started = process.hrtime.bigint();
  await profiled(measured ? `worker-batch${batch}-job${jobSize}-${++drains}` : 'warm-up', async () => {
    await pipeline.start();
    await arrived;
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  const redisUsed = cpuSeconds(redis.pid) - redisCpu;
  const commands = redisCommands(await client.info('commandstats'));
  const { requests } = await receiver.stats();
  await pipeline.close();
  await queue.obliterate({ force: true });
  await queue.close();
  client.disconnect();
  const perEvent = (calls) => round(calls / events, 2);
  const busiest = Object.entries(commands)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6);
  return {
    jobSize,
    batch,
    eventsPerS: events / seconds,
    cpuUsPerEvent: (used.user + used.system) / events,
    redisCpuUsPerEvent: (redisUsed * 1e6) / events,
    eventsPerPost: events / requests,
    redisCallsPerEvent: perEvent(Object.values(commands).reduce((sum, calls) => sum + calls, 0)),
    busiest: busiest.map(([name, calls]) => `${name} ${perEvent(calls)}`).join(', '),
  };
}

/** Calls per command from INFO commandstats (`cmdstat_evalsha:calls=12,...`); the INFO we ask for ourselves is left out. */
function redisCommands(info) {
  const calls = {};
  for (const [, name, count] of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
    if (name !== 'info' && name !== 'config|resetstat') calls[name] = Number(count);
  return calls;
}

async function main() {
  const redis = await startRedis();
  const receiver = new Receiver();
  await receiver.listen();
  // Warm-up: one unmeasured drain per batch size, so that no row pays for V8's first compilations.
  for (const batch of BATCHES) await drain(redis, receiver, 5, batch, Math.min(EVENTS, 5_000), false);
  const rows = [];
  for (const batch of BATCHES) {
    for (const jobSize of JOB_SIZES) {
      const row = await drain(redis, receiver, jobSize, batch);
      process.stderr.write(`${JSON.stringify(row)}\n`);
      rows.push(row);
    }
  }
  await receiver.terminate();
  const markdown = [
    `## bench:worker (${EVENTS} events queued, then drained; concurrency ${CONCURRENCY}; Redis AOF fsync ${process.env.BENCH_FSYNC ?? 'always'})`,
    '',
    table(
      [
        'batch.size',
        'events per job',
        'events/s',
        'events per POST',
        'CPU µs per event (worker + receiver thread)',
        'Redis CPU µs per event',
        'Redis calls per event',
        'busiest (calls per event)',
      ],
      rows.map((row) => [
        row.batch,
        row.jobSize,
        round(row.eventsPerS, 0),
        round(row.eventsPerPost, 1),
        round(row.cpuUsPerEvent, 1),
        round(row.redisCpuUsPerEvent, 1),
        row.redisCallsPerEvent,
        row.busiest,
      ]),
    ),
    '',
  ].join('\n');
  writeReport('worker', { rows, settings: { EVENTS, JOB_SIZES, BATCHES, CONCURRENCY } }, markdown);
}

main()
  .catch((error) => {
    process.stderr.write(`bench:worker failed: ${error.stack ?? error}\n`);
    process.exitCode = 1;
  })
  .finally(() => stopAll().then(() => process.exit()));
