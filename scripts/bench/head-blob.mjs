// bench head-blob: HEAD /v2/<name>/blobs/<digest> rate with storage.cache.blobdescriptor off, inmemory
// and redis (a redis-server of the bench's own), and distribution 2.8.2 (inmemory cache) for reference.
// autocannon on loopback, same blob, warm-up first. Run `npm run build` first.
//   BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 32), BENCH_SIDES=off,inmemory,redis,distribution
import { createHash, randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { startDistribution, startOurs, startRedis, stop, stopAll } from './lib/processes.mjs';
import { table, writeReport } from './lib/report.mjs';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const SIDES = (process.env.BENCH_SIDES ?? 'off,inmemory,redis,distribution').split(',');
const REPOSITORY = 'bench/head';

/** Pushes one blob (POST then PUT ?digest=, which every registry takes) and returns its digest. */
async function pushBlob(url) {
  const content = randomBytes(64 * 1024);
  const digest = `sha256:${createHash('sha256').update(content).digest('hex')}`;
  const started = await fetch(`${url}/v2/${REPOSITORY}/blobs/uploads/`, { method: 'POST' });
  if (started.status !== 202) throw new Error(`POST upload: ${started.status} ${await started.text()}`);
  const location = new URL(started.headers.get('location'), url);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, { method: 'PUT', body: content, headers: { 'content-type': 'application/octet-stream' } });
  if (put.status !== 201) throw new Error(`PUT upload: ${put.status} ${await put.text()}`);
  return digest;
}

function cannon(url, seconds) {
  return autocannon({ url, method: 'HEAD', connections: CONNECTIONS, duration: seconds, pipelining: 1 });
}

async function measure(name, start) {
  const target = await start();
  try {
    const digest = await pushBlob(target.url);
    const url = `${target.url}/v2/${REPOSITORY}/blobs/${digest}`;
    await cannon(url, 2);
    const result = await cannon(url, SECONDS);
    const ok = result['2xx'];
    if (result.non2xx > 0 || result.errors > 0) process.stderr.write(`${name}: ${result.non2xx} non-2xx, ${result.errors} errors\n`);
    return { name, rps: Math.round(result.requests.average), p50: result.latency.p50, p99: result.latency.p99, ok, non2xx: result.non2xx };
  } finally {
    await stop(target);
  }
}

const starters = {
  off: () => startOurs(),
  inmemory: () => startOurs({ storage: { cache: { blobdescriptor: 'inmemory' } } }),
  redis: async () => {
    const redis = await startRedis();
    return startOurs({ storage: { cache: { blobdescriptor: 'redis' } }, redis: { addr: redis.addr, prefix: 'bench' } });
  },
  distribution: () => startDistribution(),
};

try {
  const results = [];
  for (const side of SIDES) {
    process.stdout.write(`head-blob: ${side}...\n`);
    results.push(await measure(side === 'distribution' ? 'distribution 2.8.2 (inmemory)' : `ours, cache ${side}`, starters[side]));
  }
  const rows = results.map((r) => [r.name, String(r.rps), `${r.p50} ms`, `${r.p99} ms`, String(r.non2xx)]);
  const markdown = [
    `## HEAD blob rate (${CONNECTIONS} connections, ${SECONDS} s, one 64 KiB blob, filesystem storage)`,
    '',
    table(['registry', 'requests/s', 'p50', 'p99', 'non-2xx'], rows),
    '',
  ].join('\n');
  writeReport('head-blob', { connections: CONNECTIONS, seconds: SECONDS, results }, markdown);
} finally {
  await stopAll();
}
