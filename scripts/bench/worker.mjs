// bench:worker — the worker's delivery pipeline alone, in this process, against a Redis of its own (AOF,
// fsync per BENCH_FSYNC) and a fast receiver on its own thread: BENCH_EVENTS events are queued in jobs of K
// events (what the registry's group commit makes: about 5 under 16 busy clients), then the pipeline starts
// and drains them. Gives events/s and this process's CPU per event (the receiver thread included) for each
// job size and `batch.size` (after one unmeasured warm-up drain each), so that the cost per job and per event
// can be told apart. Run `npm run build` first.
//   BENCH_EVENTS (30000), BENCH_JOB_SIZES (1,5,20), BENCH_BATCHES (1,100), BENCH_CONCURRENCY (16)
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { ROOT, startRedis, stopAll } from './lib/processes.mjs';
import { Receiver } from './lib/receiver.mjs';
import { round } from './lib/stats.mjs';
import { table, writeReport } from './lib/report.mjs';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 30_000);
const JOB_SIZES = (process.env.BENCH_JOB_SIZES ?? '1,5,20').split(',').map(Number);
const BATCHES = (process.env.BENCH_BATCHES ?? '1,100').split(',').map(Number);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);

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
    target: { mediaType: 'application/octet-stream', size: 1024, digest, length: 1024, repository: 'bench/events', url: `http://127.0.0.1:5000/v2/bench/events/blobs/${digest}` },
    request: { id: randomUUID(), addr: '127.0.0.1:40000', host: '127.0.0.1:5000', method: 'HEAD', useragent: 'bench' },
    actor: {},
    source: { addr: 'bench:5000', instanceID: 'bench-instance' },
  };
}

async function drain(redis, receiver, jobSize, batch, events = EVENTS) {
  const prefix = `bench-worker-${randomUUID().slice(0, 8)}`;
  const config = fromObject({
    version: '0.1',
    storage: { inmemory: {} },
    redis: { addr: redis.addr, prefix },
    notifications: { endpoints: [{ name: 'fast', url: receiver.url, concurrency: CONCURRENCY, ...(batch > 1 ? { batch: { size: batch, wait: '5ms' } } : {}) }] },
  });
  const client = new Redis({ host: '127.0.0.1', port: redis.port });
  const queue = new Queue(QueueNames.delivery('fast'), { connection: client, prefix });
  for (let queued = 0; queued < events; queued += jobSize) {
    await addDeliveryJob(queue, Array.from({ length: Math.min(jobSize, events - queued) }, pullEvent));
  }
  await receiver.reset();
  const arrived = receiver.waitCount('pull', events, 600_000);
  const pipeline = new DeliveryPipeline(config, new DeliveryAlerts(), pino({ level: 'silent' }));
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  await pipeline.start();
  await arrived;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  await pipeline.close();
  await queue.obliterate({ force: true });
  await queue.close();
  client.disconnect();
  return { jobSize, batch, eventsPerS: events / seconds, cpuUsPerEvent: (used.user + used.system) / events };
}

async function main() {
  const redis = await startRedis();
  const receiver = new Receiver();
  await receiver.listen();
  // Warm-up: one unmeasured drain per batch size, so that no row pays for V8's first compilations.
  for (const batch of BATCHES) await drain(redis, receiver, 5, batch, Math.min(EVENTS, 5_000));
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
      ['batch.size', 'events per job', 'events/s', 'CPU µs per event (worker + receiver thread)'],
      rows.map((row) => [row.batch, row.jobSize, round(row.eventsPerS, 0), round(row.cpuUsPerEvent, 1)]),
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
